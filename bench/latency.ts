/**
 * Interval end -> object stored. For every interval a run wrote, the time from the interval's end (its UTC
 * start, read from the object name, plus the interval) until the last of its data objects was stored, as
 * recorded by the PUT recorder. Objects the size limit cut early still count through the interval's last one.
 */
import { StoredPut } from './put-recorder';
import { round } from './throughput';

export interface FlushLatency {
  /** Intervals measured. */
  readonly samples: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  readonly maxMs: number | null;
}

/** `<prefix>/<YYYY-MM-DDTHH:mm:ss>-stream-...jsonl`: the interval start as the name's first 19 characters. */
const INTERVAL_START = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})-stream-/;

export function intervalLatenciesMs(
  puts: readonly StoredPut[],
  prefix: string,
  intervalSeconds: number,
): number[] {
  const lastStored = new Map<number, number>();
  for (const put of puts) {
    const name = put.key.slice(prefix.length + 1);
    if (name.startsWith('_invalid/') || name.startsWith('.strm_test_')) continue;
    const match = INTERVAL_START.exec(name);
    if (!match) continue;
    const start = Date.parse(`${match[1]}Z`);
    lastStored.set(start, Math.max(lastStored.get(start) ?? 0, put.storedAt));
  }
  return [...lastStored].map(([start, storedAt]) => Math.max(0, storedAt - (start + intervalSeconds * 1000)));
}

export function summarizeLatencies(samplesMs: readonly number[]): FlushLatency {
  if (samplesMs.length === 0) return { samples: 0, p50Ms: null, p99Ms: null, maxMs: null };
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    p50Ms: round(percentile(sorted, 0.5), 0),
    p99Ms: round(percentile(sorted, 0.99), 0),
    maxMs: round(sorted[sorted.length - 1], 0),
  };
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: readonly number[], fraction: number): number {
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1];
}

/**
 * The runtime's own view, for comparison: quantiles of a Prometheus histogram summed over processes, as
 * the upper bound of the bucket the quantile falls in (`batch_exporter_flush_duration_seconds` measures a
 * flush from its start, not from the interval end).
 */
export function histogramQuantileSeconds(
  metricsTexts: readonly string[],
  name: string,
  fraction: number,
): number | null {
  const buckets = new Map<number, number>();
  const line = new RegExp(`^${name}_bucket\\{(?:[^}]*,)?le="([^"]+)"[^}]*\\}\\s+(\\S+)`, 'gm');
  for (const text of metricsTexts) {
    for (const match of text.matchAll(line)) {
      const bound = match[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(match[1]);
      buckets.set(bound, (buckets.get(bound) ?? 0) + Number(match[2]));
    }
  }
  const ordered = [...buckets].sort(([a], [b]) => a - b);
  const total = ordered.length > 0 ? ordered[ordered.length - 1][1] : 0;
  if (total === 0) return null;
  const bucket = ordered.find(([, cumulative]) => cumulative >= fraction * total);
  return bucket && Number.isFinite(bucket[0]) ? bucket[0] : null;
}
