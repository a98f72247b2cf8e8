/**
 * The exactly-once checks of the fault matrix over what is stored: pure functions over parsed objects, so
 * they are unit-tested without any server.
 */
import {
  DEFAULT_MAX_COMMIT_METADATA_BYTES,
  encodeIntent,
  metadataBytes,
} from '../../runtime/exporter/commit-metadata';
import type { EventPosition } from './producer';

/** A data object as read back with the admin client. */
export interface StoredObject {
  readonly key: string;
  /** The partitions the object's name lists (`---0-2-3.jsonl`). */
  readonly namedPartitions: readonly number[];
  /** One entry per line: the event id, or undefined for a line that is not a produced event. */
  readonly eventIds: readonly (string | undefined)[];
  /** The object's size in bytes. */
  readonly bytes: number;
}

/**
 * A half-open offset range `[from, to)` an exporter reported as lost to retention (onDataLoss=skip): its
 * events are accepted as lost, not missing, as long as none of them was stored.
 */
export interface LostRange {
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
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
  /** Produced events stored in no object and in no reported lost range. */
  readonly missing: number;
  /** Produced events stored in no object, inside a range an exporter reported lost to retention. */
  readonly lost: number;
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
 * How far each partition is stored without a gap from offset 0, counting ranges reported lost to retention
 * as covered: the committed offset may never exceed it.
 */
export function contiguousEnds(
  ranges: readonly StoredRange[],
  partitions: number,
  lost: readonly LostRange[] = [],
): bigint[] {
  const ends: bigint[] = [];
  for (let partition = 0; partition < partitions; partition++) {
    const sorted = [...ranges, ...lost]
      .filter((r) => r.partition === partition)
      .sort((a, b) => (a.from < b.from ? -1 : 1));
    let end = 0n;
    for (const range of sorted) {
      if (range.from > end) break;
      if (range.to > end) end = range.to;
    }
    ends.push(end);
  }
  return ends;
}

/**
 * Every check on the final state: all events once, ranges disjoint and contiguous up to the end offsets.
 * Events inside `lost` ranges (reported by an exporter with onDataLoss=skip) and stored nowhere count as
 * `lost`; a gap is accepted where such a range covers it, and a reported range covering a stored event is a
 * problem (the exporter called stored data lost).
 */
export function checkExport(
  producedIds: Iterable<string>,
  endOffsets: readonly bigint[],
  objects: readonly StoredObject[],
  positionOf: (eventId: string) => EventPosition | undefined,
  lost: readonly LostRange[] = [],
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
  let lostEvents = 0;
  let duplicated = 0;
  for (const [id, count] of copies) {
    if (count === 0) {
      const position = positionOf(id);
      if (position && lost.some((r) => covers(r, position.partition, position.offset))) lostEvents += 1;
      else missing += 1;
    }
    if (count > 1) duplicated += count - 1;
  }
  for (const range of lost) {
    for (const stored of ranges) {
      const from = stored.from > range.from ? stored.from : range.from;
      const to = stored.to < range.to ? stored.to : range.to;
      if (stored.partition === range.partition && from < to) {
        problems.push(
          `partition ${range.partition}: reported lost range [${range.from},${range.to}) covers [${from},${to}), ` +
            `stored in ${stored.key}`,
        );
      }
    }
  }
  endOffsets.forEach((end, partition) => {
    const sorted = ranges.filter((r) => r.partition === partition).sort((a, b) => (a.from < b.from ? -1 : 1));
    const lostHere = lost.filter((r) => r.partition === partition);
    let expected = 0n;
    for (const range of sorted) {
      if (range.from < expected) {
        problems.push(
          `partition ${partition}: ${range.key} holds [${range.from},${range.to}) overlapping data stored before (up to ${expected})`,
        );
      } else if (range.from > expected) {
        for (const [from, to] of uncovered(expected, range.from, lostHere)) {
          problems.push(`partition ${partition}: gap [${from},${to}) before ${range.key}`);
        }
      }
      if (range.to > expected) expected = range.to;
    }
    for (const [from, to] of uncovered(expected, end, lostHere)) {
      problems.push(`partition ${partition}: [${from},${to}) never stored`);
    }
  });
  if (missing > 0) problems.push(`${missing} of ${events} events missing`);
  if (duplicated > 0) problems.push(`${duplicated} duplicated events`);
  return { events, missing, lost: lostEvents, duplicated, objects: objects.length, problems };
}

/** The limits every data object must respect. */
export interface ObjectLimits {
  /** BATCH_EXPORTER_MAX_OBJECT_BYTES in force. */
  readonly maxObjectBytes: number;
  /** @default DEFAULT_MAX_COMMIT_METADATA_BYTES (the broker's offset.metadata.max.bytes) */
  readonly maxMetadataBytes?: number;
}

/**
 * Per object: its size within `maxObjectBytes`, and the intent that names it (key and ranges, as the
 * exporter commits it before the put) within the broker's commit-metadata limit.
 */
export function checkObjectLimits(
  objects: readonly StoredObject[],
  positionOf: (eventId: string) => EventPosition | undefined,
  limits: ObjectLimits,
): string[] {
  const maxMetadataBytes = limits.maxMetadataBytes ?? DEFAULT_MAX_COMMIT_METADATA_BYTES;
  const problems: string[] = [];
  for (const object of objects) {
    if (object.bytes > limits.maxObjectBytes) {
      problems.push(
        `${object.key}: ${object.bytes} bytes, more than maxObjectBytes ${limits.maxObjectBytes}`,
      );
    }
    const bytes = intentBytes(object, objectRanges(object, positionOf, []));
    if (bytes !== undefined && bytes > maxMetadataBytes) {
      problems.push(
        `${object.key}: its intent takes ${bytes} bytes of commit metadata, more than the limit ${maxMetadataBytes}`,
      );
    }
  }
  return problems;
}

/** Size of the intent the exporter committed for `object` (interval start and part read from its name). */
export function intentBytes(object: StoredObject, ranges: readonly StoredRange[]): number | undefined {
  const base = object.key.slice(object.key.lastIndexOf('/') + 1);
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})-.*?(?:\.(\d+))?\.jsonl$/.exec(base);
  if (!match) return undefined;
  const metadata = encodeIntent({
    intervalStart: Date.parse(`${match[1]}Z`),
    part: match[2] === undefined ? 0 : Number(match[2]),
    key: object.key,
    ranges: ranges.map((r) => ({ partition: r.partition, from: String(r.from), to: String(r.to) })),
  });
  return metadataBytes(metadata);
}

function covers(range: LostRange, partition: number, offset: bigint): boolean {
  return range.partition === partition && range.from <= offset && offset < range.to;
}

/** The parts of `[from, to)` that no range in `covering` (one partition's) covers. */
function uncovered(from: bigint, to: bigint, covering: readonly LostRange[]): Array<[bigint, bigint]> {
  const parts: Array<[bigint, bigint]> = [];
  let at = from;
  for (const range of [...covering].sort((a, b) => (a.from < b.from ? -1 : 1))) {
    if (at >= to) break;
    if (range.to <= at || range.from >= to) continue;
    if (range.from > at) parts.push([at, range.from]);
    if (range.to > at) at = range.to;
  }
  if (at < to) parts.push([at, to]);
  return parts;
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
