/**
 * The exactly-once checks of the fault matrix over what is stored: pure functions over parsed objects, so
 * they are unit-tested without any server.
 */
import type { EventPosition } from './producer';

/** A data object as read back with the admin client. */
export interface StoredObject {
  readonly key: string;
  /** The partitions the object's name lists (`---0-2-3.jsonl`). */
  readonly namedPartitions: readonly number[];
  /** One entry per line: the event id, or undefined for a line that is not a produced event. */
  readonly eventIds: readonly (string | undefined)[];
}

/** A half-open offset range `[from, to)` of one partition, as one object holds it. */
export interface StoredRange {
  readonly key: string;
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
}

export interface ExportCheck {
  /** Events produced. */
  readonly events: number;
  /** Produced events stored in no object. */
  readonly missing: number;
  /** Extra copies of stored events (an event stored twice counts one). */
  readonly duplicated: number;
  readonly objects: number;
  /** Every violation found, each naming the object, partition and offsets concerned. */
  readonly problems: readonly string[];
}

const NAME_PARTITIONS = /---(\d+(?:-\d+)*)(?=[^0-9]|$)/;

/** The partition list in a data object's name, or undefined when the name does not follow the pattern. */
export function namedPartitions(key: string): number[] | undefined {
  const base = key.slice(key.lastIndexOf('/') + 1);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-stream-.+---\d.*\.jsonl$/.test(base)) return undefined;
  const match = NAME_PARTITIONS.exec(base.slice(base.lastIndexOf('---')));
  return match ? match[1].split('-').map(Number) : undefined;
}

/**
 * The ranges an object holds per partition. Lines of one partition must be consecutive offsets in
 * ascending order; anything else is reported in `problems`.
 */
export function objectRanges(
  object: StoredObject,
  positionOf: (eventId: string) => EventPosition | undefined,
  problems: string[],
): StoredRange[] {
  const byPartition = new Map<number, bigint[]>();
  object.eventIds.forEach((eventId, line) => {
    const position = eventId === undefined ? undefined : positionOf(eventId);
    if (!position) {
      problems.push(`${object.key} line ${line + 1}: not a produced event (${eventId ?? 'no eventId'})`);
      return;
    }
    const offsets = byPartition.get(position.partition) ?? [];
    offsets.push(position.offset);
    byPartition.set(position.partition, offsets);
  });
  if (object.eventIds.length === 0) problems.push(`${object.key}: empty data object`);
  const ranges: StoredRange[] = [];
  for (const [partition, offsets] of [...byPartition].sort((a, b) => a[0] - b[0])) {
    if (!object.namedPartitions.includes(partition)) {
      problems.push(
        `${object.key}: holds partition ${partition}, its name lists only [${object.namedPartitions.join(',')}]`,
      );
    }
    for (let i = 1; i < offsets.length; i++) {
      if (offsets[i] !== offsets[i - 1] + 1n) {
        problems.push(
          `${object.key}: partition ${partition} is not contiguous in offset order (${offsets[i - 1]} then ${offsets[i]})`,
        );
        break;
      }
    }
    const from = offsets.reduce((a, b) => (b < a ? b : a));
    const to = offsets.reduce((a, b) => (b > a ? b : a)) + 1n;
    ranges.push({ key: object.key, partition, from, to });
  }
  return ranges;
}

/**
 * How far each partition is stored without a gap from offset 0: the committed offset may never exceed it.
 */
export function contiguousEnds(ranges: readonly StoredRange[], partitions: number): bigint[] {
  const ends: bigint[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const sorted = ranges.filter((r) => r.partition === partition).sort((a, b) => (a.from < b.from ? -1 : 1));
    let end = 0n;
    for (const range of sorted) {
      if (range.from > end) break;
      if (range.to > end) end = range.to;
    }
    ends.push(end);
  }
  return ends;
}

/** Every check on the final state: all events once, ranges disjoint and contiguous up to the end offsets. */
export function checkExport(
  producedIds: Iterable<string>,
  endOffsets: readonly bigint[],
  objects: readonly StoredObject[],
  positionOf: (eventId: string) => EventPosition | undefined,
): ExportCheck {
  const problems: string[] = [];
  const copies = new Map<string, number>();
  let events = 0;
  for (const id of producedIds) {
    copies.set(id, 0);
    events += 1;
  }
  const ranges: StoredRange[] = [];
  for (const object of objects) {
    for (const id of object.eventIds) {
      if (id !== undefined && copies.has(id)) copies.set(id, copies.get(id)! + 1);
    }
    ranges.push(...objectRanges(object, positionOf, problems));
  }
  let missing = 0;
  let duplicated = 0;
  for (const count of copies.values()) {
    if (count === 0) missing += 1;
    if (count > 1) duplicated += count - 1;
  }
  endOffsets.forEach((end, partition) => {
    const sorted = ranges.filter((r) => r.partition === partition).sort((a, b) => (a.from < b.from ? -1 : 1));
    let expected = 0n;
    for (const range of sorted) {
      if (range.from < expected) {
        problems.push(
          `partition ${partition}: ${range.key} holds [${range.from},${range.to}) overlapping data stored before (up to ${expected})`,
        );
      } else if (range.from > expected) {
        problems.push(`partition ${partition}: gap [${expected},${range.from}) before ${range.key}`);
      }
      if (range.to > expected) expected = range.to;
    }
    if (expected < end) problems.push(`partition ${partition}: [${expected},${end}) never stored`);
  });
  if (missing > 0) problems.push(`${missing} of ${events} events missing`);
  if (duplicated > 0) problems.push(`${duplicated} duplicated events`);
  return { events, missing, duplicated, objects: objects.length, problems };
}

/** An intent seen in committed metadata: the object key and the ranges it must hold. */
export interface ObservedIntent {
  readonly key: string;
  readonly ranges: ReadonlyArray<{ readonly partition: number; readonly from: string; readonly to: string }>;
}

/**
 * Every intent ever committed must end up stored under exactly its key with exactly its recorded ranges
 * (completed by its writer or by the next owner of its partitions).
 */
export function checkIntents(
  intents: Iterable<ObservedIntent>,
  objects: readonly StoredObject[],
  positionOf: (eventId: string) => EventPosition | undefined,
): string[] {
  const problems: string[] = [];
  for (const intent of intents) {
    const object = objects.find((o) => o.key === intent.key);
    const recorded = describeRanges(
      intent.ranges
        .filter((r) => BigInt(r.from) < BigInt(r.to))
        .map((r) => ({ partition: r.partition, from: BigInt(r.from), to: BigInt(r.to) })),
    );
    if (!object) {
      problems.push(`intent ${intent.key} (${recorded}) was committed but the object was never stored`);
      continue;
    }
    const stored = describeRanges(objectRanges(object, positionOf, []));
    if (stored !== recorded) {
      problems.push(`${intent.key} holds ${stored} but its intent recorded ${recorded}`);
    }
  }
  return problems;
}

function describeRanges(ranges: ReadonlyArray<{ partition: number; from: bigint; to: bigint }>): string {
  return [...ranges]
    .sort((a, b) => a.partition - b.partition)
    .map((r) => `p${r.partition} [${r.from},${r.to})`)
    .join(' ');
}
