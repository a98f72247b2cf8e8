/**
 * Which partitions each exporter task owns, from the runtime's own log ("partitions assigned"): the log ties
 * each share to its task, which DescribeGroups (client ids only) does not. The log carries the
 * task's own join count, not the group's generation (kafkajs does not expose it): tasks that joined a
 * different number of times (one crashed and rejoined) can hold the same generation.
 */
import fs from 'node:fs';
import { ExporterTask } from '../applier';

export interface TaskAssignment {
  readonly task: number;
  readonly pid: number;
  /** The task's n-th join of the group. */
  readonly join: number;
  readonly partitions: readonly number[];
  /** The task logged leaving the group (a rebalance under way, a crash) after this assignment. */
  readonly superseded: boolean;
}

/** Runtime log messages after which a task's last assignment no longer holds. */
const LEAVING = [
  'The group is rebalancing, re-joining',
  'the Kafka consumer crashed; restarting it',
  'the Kafka consumer crashed for good',
];

/** The latest assignment each task logged (tasks that logged none are left out). */
export function latestAssignments(tasks: readonly ExporterTask[]): TaskAssignment[] {
  return tasks
    .map((task) =>
      latestAssignment(
        task.index,
        task.pid,
        fs.existsSync(task.logFile) ? fs.readFileSync(task.logFile, 'utf8') : '',
      ),
    )
    .filter((a): a is TaskAssignment => a !== undefined);
}

/** The latest assignment in one task's runtime log text (JSON lines), if it logged one. */
export function latestAssignment(task: number, pid: number, text: string): TaskAssignment | undefined {
  let latest: TaskAssignment | undefined;
  for (const line of text.split('\n')) {
    const assigned = line.includes('partitions assigned');
    if (!assigned && !LEAVING.some((message) => line.includes(message))) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; partitions?: number[]; join?: number };
      if (entry.msg === 'partitions assigned' && Array.isArray(entry.partitions)) {
        latest = {
          task,
          pid,
          join: entry.join ?? 0,
          partitions: [...entry.partitions].sort((a, b) => a - b),
          superseded: false,
        };
      } else if (latest !== undefined && LEAVING.includes(entry.msg ?? '')) {
        latest = { ...latest, superseded: true };
      }
    } catch {
      // Not a JSON log line.
    }
  }
  return latest;
}

/**
 * True when every task holds an assignment it has not left since, and together they own each partition
 * exactly once (shares of different generations overlap or leave a partition out).
 */
export function isSettled(
  assignments: readonly TaskAssignment[],
  tasks: number,
  partitions: number,
): boolean {
  if (assignments.length !== tasks) return false;
  if (assignments.some((a) => a.superseded)) return false;
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
