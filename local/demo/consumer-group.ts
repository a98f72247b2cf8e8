/**
 * Which partitions each exporter task owns, from the runtime's own log ("partitions assigned", with the
 * group generation). The local broker does not answer DescribeGroups, and the log also ties each share to
 * its task.
 */
import fs from 'node:fs';
import { ExporterTask } from '../applier';

export interface TaskAssignment {
  readonly task: number;
  readonly pid: number;
  readonly generation: number;
  readonly partitions: readonly number[];
}

/** The latest assignment each task logged (tasks that logged none are left out). */
export function latestAssignments(tasks: readonly ExporterTask[]): TaskAssignment[] {
  const out: TaskAssignment[] = [];
  for (const task of tasks) {
    let latest: TaskAssignment | undefined;
    const text = fs.existsSync(task.logFile) ? fs.readFileSync(task.logFile, 'utf8') : '';
    for (const line of text.split('\n')) {
      if (!line.includes('partitions assigned')) continue;
      try {
        const entry = JSON.parse(line) as { msg?: string; partitions?: number[]; generation?: number };
        if (entry.msg === 'partitions assigned' && Array.isArray(entry.partitions)) {
          latest = {
            task: task.index,
            pid: task.pid,
            generation: entry.generation ?? 0,
            partitions: [...entry.partitions].sort((a, b) => a - b),
          };
        }
      } catch {
        // Not a JSON log line.
      }
    }
    if (latest !== undefined) out.push(latest);
  }
  return out;
}

/** True when every task reports the same generation and together they own each partition exactly once. */
export function isSettled(
  assignments: readonly TaskAssignment[],
  tasks: number,
  partitions: number,
): boolean {
  if (assignments.length !== tasks) return false;
  if (new Set(assignments.map((a) => a.generation)).size !== 1) return false;
  const owned = assignments.flatMap((a) => a.partitions);
  return owned.length === partitions && new Set(owned).size === partitions;
}

/**
 * Waits until the group has settled (see isSettled) and stayed so for two seconds, so the events produced
 * next are split between all tasks.
 */
export async function waitForSettledGroup(
  tasks: readonly ExporterTask[],
  partitions: number,
  timeoutSeconds: number,
): Promise<TaskAssignment[]> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let settledSince: number | undefined;
  let settledAt = '';
  for (;;) {
    const assignments = latestAssignments(tasks);
    const key = JSON.stringify(assignments);
    if (isSettled(assignments, tasks.length, partitions)) {
      if (key !== settledAt) {
        settledAt = key;
        settledSince = Date.now();
      } else if (Date.now() - settledSince! >= 2000) {
        return assignments;
      }
    } else {
      settledSince = undefined;
      settledAt = '';
    }
    if (Date.now() > deadline) {
      throw new Error(
        `the exporter tasks did not settle on a partition split within ${timeoutSeconds} s: ` +
          `${JSON.stringify(assignments)} (want ${tasks.length} tasks owning ${partitions} partitions)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
