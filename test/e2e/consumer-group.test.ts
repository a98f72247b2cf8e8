import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExporterTask } from '../../local/applier';
import { isSettled, latestAssignments } from '../../local/demo/consumer-group';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-group-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A task whose log holds these runtime lines (JSON, as the runtime writes them). */
function task(index: number, lines: ReadonlyArray<Record<string, unknown>>): ExporterTask {
  const logFile = path.join(dir, `task-${index}-${Math.random().toString(36).slice(2)}.log`);
  fs.writeFileSync(logFile, lines.map((line) => JSON.stringify({ level: 30, ...line })).join('\n'));
  return { index, pid: 1000 + index, httpPort: 0, logFile, replacements: 0, exit: () => undefined };
}

const assigned = (join: number, partitions: number[]) => ({ msg: 'partitions assigned', join, partitions });
const rebalancing = { level: 40, msg: 'The group is rebalancing, re-joining' };
const crashed = { level: 40, msg: 'the Kafka consumer crashed; restarting it' };

describe('demo consumer group', () => {
  test('is settled when the shares cover every partition once, however often each task joined', () => {
    // As on a CI run: task 1 crashed on the mock broker's SyncGroup answer three times, task 2 joined four times.
    const tasks = [
      task(1, [crashed, crashed, crashed, assigned(1, [1, 3])]),
      task(2, [
        assigned(1, [0, 2, 4]),
        rebalancing,
        assigned(2, [0, 2, 4]),
        rebalancing,
        assigned(4, [0, 2, 4]),
      ]),
    ];
    const assignments = latestAssignments(tasks);
    expect(assignments.map((a) => [a.task, a.join, a.partitions])).toEqual([
      [1, 1, [1, 3]],
      [2, 4, [0, 2, 4]],
    ]);
    expect(isSettled(assignments, 2, 5)).toBe(true);
  });

  test('is not settled while a task has left the group since its last assignment', () => {
    const tasks = [task(1, [assigned(1, [1, 3]), rebalancing]), task(2, [assigned(1, [0, 2, 4])])];
    expect(latestAssignments(tasks)[0].superseded).toBe(true);
    expect(isSettled(latestAssignments(tasks), 2, 5)).toBe(false);
  });

  test('is not settled when shares of different generations overlap, leave a partition out, or a task is missing', () => {
    const overlap = [task(1, [assigned(1, [1, 3])]), task(2, [assigned(2, [0, 1, 2, 3, 4])])];
    const gap = [task(1, [assigned(1, [1])]), task(2, [assigned(1, [0, 2, 4])])];
    const missing = [task(1, [crashed]), task(2, [assigned(1, [0, 1, 2, 3, 4])])];
    expect(isSettled(latestAssignments(overlap), 2, 5)).toBe(false);
    expect(isSettled(latestAssignments(gap), 2, 5)).toBe(false);
    expect(isSettled(latestAssignments(missing), 2, 5)).toBe(false);
  });
});
