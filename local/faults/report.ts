import fs from 'node:fs';
import type { ScenarioResult } from './scenario';

/**
 * The matrix as a fixed-width table: scenario, events, missing, lost (events in ranges the exporters reported
 * lost to retention with onDataLoss=skip), duplicated, objects, seconds to recover, and
 * exporter exits the harness did not cause (crashes; the fleet restarts them as ECS would), and the intents the
 * sampler saw committed.
 */
export function formatTable(results: readonly ScenarioResult[]): string {
  const header = [
    'scenario',
    'events',
    'missing',
    'lost',
    'duplicated',
    'objects',
    's to recover',
    'crashes',
    'intents',
    'result',
  ];
  const rows = results.map((r) => [
    `${r.id} ${r.scenario}`,
    String(r.events),
    String(r.missing),
    String(r.lost),
    String(r.duplicated),
    String(r.objects),
    r.secondsToRecover === null ? '-' : r.secondsToRecover.toFixed(1),
    String(r.unexpectedExits.length),
    String(r.intentsSeen),
    r.passed ? 'pass' : 'FAIL',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const failures = results.filter((r) => !r.passed).flatMap((r) => r.failures.map((f) => `  ${r.id}: ${f}`));
  const notes = results.flatMap((r) => r.notes.map((n) => `  ${r.id}: ${n}`));
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    ...(notes.length > 0 ? ['', 'notes:', ...notes] : []),
    ...(failures.length > 0 ? ['', 'failures:', ...failures] : []),
  ].join('\n');
}

/** Writes `faults-report.json`: one entry per scenario with the table's fields and the failures. */
export function writeReport(file: string, results: readonly ScenarioResult[]): void {
  fs.writeFileSync(
    file,
    `${JSON.stringify({ generatedAt: new Date().toISOString(), scenarios: results }, null, 2)}\n`,
  );
}
