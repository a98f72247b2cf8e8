import type { LostRange } from './verify';

/** The message prefix of the error-level line an exporter logs when it skips records lost to retention. */
export const SKIPPED_LOSS_MESSAGE = 'DATA LOSS skipped (onDataLoss=skip)';

/** A loss an exporter reported: the ranges, and the log line that reported them (for failure messages). */
export interface ReportedLoss {
  readonly ranges: readonly LostRange[];
  readonly line: string;
}

/**
 * The losses an exporter's JSON log reports: error-level lines whose `msg` starts with
 * {@link SKIPPED_LOSS_MESSAGE}, each with `lost: [{partition, from, to}]` (offsets as decimal strings).
 * A reporting line that does not have that shape is an error: the harness would otherwise call the
 * skipped events missing without saying why.
 */
export function reportedLosses(log: string): ReportedLoss[] {
  const losses: ReportedLoss[] = [];
  for (const line of log.split('\n')) {
    if (!line.includes(SKIPPED_LOSS_MESSAGE)) continue;
    let entry: { level?: unknown; msg?: unknown; lost?: unknown };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (typeof entry.msg !== 'string' || !entry.msg.startsWith(SKIPPED_LOSS_MESSAGE)) continue;
    if (entry.level !== 'error')
      throw new Error(`a data loss was logged at level ${String(entry.level)}, not error: ${line}`);
    if (!Array.isArray(entry.lost) || entry.lost.length === 0 || !entry.lost.every(isRange)) {
      throw new Error(`a data loss was logged without its ranges as lost: [{partition, from, to}]: ${line}`);
    }
    losses.push({
      ranges: entry.lost.map((r) => ({ partition: r.partition, from: BigInt(r.from), to: BigInt(r.to) })),
      line,
    });
  }
  return losses;
}

/** The value of `batch_exporter_records_lost_total` in a Prometheus text exposition, summed over partitions. */
export function recordsLostTotal(metrics: string): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    const match = /^batch_exporter_records_lost_total(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (match) total += Number(match[1]);
  }
  return total;
}

function isRange(value: unknown): value is { partition: number; from: string; to: string } {
  const range = value as { partition?: unknown; from?: unknown; to?: unknown };
  return (
    typeof range === 'object' &&
    range !== null &&
    Number.isInteger(range.partition) &&
    typeof range.from === 'string' &&
    /^\d+$/.test(range.from) &&
    typeof range.to === 'string' &&
    /^\d+$/.test(range.to)
  );
}
