import type { OffsetRange } from '../kafka/consumer';

/**
 * What the exporter keeps in a partition's committed-offset metadata (a compact JSON string).
 *
 * - `t`, `n`: interval start (epoch ms) and part number of the last object that holds records of this
 *   partition. A later object with the same interval start and an overlapping partition set takes a higher
 *   part number, so a key is never reused for different content (a restart within the interval would
 *   otherwise compute the same name, and create-only writes would silently keep the old object).
 * - `k`, `r`: present only while an object is being written (the intent): its data key and the exact
 *   offset ranges `[partition, from, to)` of every partition it holds.
 *
 * Version 1 holds one intent at most. While more than one object of a partition is being written (the store
 * chain keeps several in flight, see offset-manager.ts), version 2 lists them, oldest first:
 * `{"v":2,"q":[{"t","n","k","r"}, ...]}`; the mark is the last one's. Metadata with at most one intent is
 * always written as version 1, which earlier releases read.
 */
export interface PartitionMark {
  readonly intervalStart: number;
  readonly part: number;
}

export interface ObjectIntent extends PartitionMark {
  readonly key: string;
  readonly ranges: readonly OffsetRange[];
}

export interface CommitMetadata {
  readonly mark?: PartitionMark;
  /** Objects being written that hold records of the partition, oldest first (absent: none). */
  readonly intents?: readonly ObjectIntent[];
}

/** Kafka's default `offset.metadata.max.bytes`: brokers refuse longer commit metadata. */
export const DEFAULT_MAX_COMMIT_METADATA_BYTES = 4096;

const VERSION = 1;
const LIST_VERSION = 2;

interface EncodedIntent {
  t: number;
  n: number;
  k?: string;
  r?: Array<[number, string, string]>;
}

interface Encoded extends EncodedIntent {
  v: number;
  q?: EncodedIntent[];
}

/** Metadata of a completed object: the mark only. */
export function encodeMark(mark: PartitionMark): string {
  const encoded: Encoded = { v: VERSION, t: mark.intervalStart, n: mark.part };
  return JSON.stringify(encoded);
}

/** Metadata of an object about to be written. */
export function encodeIntent(intent: ObjectIntent): string {
  return JSON.stringify({ v: VERSION, ...encodedIntent(intent) });
}

/** Metadata of a partition with `intents` (at least one) being written, oldest first. */
export function encodeIntents(intents: readonly ObjectIntent[]): string {
  if (intents.length === 0) throw new Error('internal: encodeIntents needs at least one intent');
  if (intents.length === 1) return encodeIntent(intents[0]);
  return JSON.stringify({ v: LIST_VERSION, q: intents.map(encodedIntent) });
}

function encodedIntent(intent: ObjectIntent): EncodedIntent {
  return {
    t: intent.intervalStart,
    n: intent.part,
    k: intent.key,
    r: intent.ranges.map((range) => [range.partition, range.from, range.to]),
  };
}

/**
 * Reads metadata written by {@link encodeMark}, {@link encodeIntent} or {@link encodeIntents}. Anything else
 * (empty, written by another tool) means "no mark, no intent"; malformed exporter metadata is an error, since
 * ignoring an intent could lose or duplicate data.
 */
export function decodeCommitMetadata(metadata: string | null | undefined): CommitMetadata {
  if (!metadata || !metadata.startsWith('{"v":')) return {};
  let parsed: Encoded;
  try {
    parsed = JSON.parse(metadata) as Encoded;
  } catch (error) {
    throw new Error(`committed offset metadata is not valid JSON (${(error as Error).message}): ${metadata}`);
  }
  if (parsed.v === LIST_VERSION && Array.isArray(parsed.q) && parsed.q.length > 1) {
    const intents = parsed.q.map((entry) => decodeIntent(entry, metadata));
    if (intents.some((intent) => intent === undefined)) {
      throw new Error(`committed offset metadata holds a list entry without an intent: ${metadata}`);
    }
    const last = intents[intents.length - 1]!;
    return {
      mark: { intervalStart: last.intervalStart, part: last.part },
      intents: intents as ObjectIntent[],
    };
  }
  if (parsed.v !== VERSION) {
    throw new Error(
      `committed offset metadata has an unknown version or shape (expected version ${VERSION}, or ` +
        `${LIST_VERSION} with a list of intents): ${metadata}`,
    );
  }
  const intent = decodeIntent(parsed, metadata);
  const mark: PartitionMark = { intervalStart: parsed.t, part: parsed.n };
  return intent === undefined ? { mark } : { mark, intents: [intent] };
}

/** One intent (or, without `k`, a bare mark: undefined); throws on a malformed one. */
function decodeIntent(encoded: EncodedIntent, metadata: string): ObjectIntent | undefined {
  if (
    typeof encoded !== 'object' ||
    encoded === null ||
    typeof encoded.t !== 'number' ||
    typeof encoded.n !== 'number'
  ) {
    throw new Error(
      `committed offset metadata has an unknown version or shape (expected version ${VERSION}): ${metadata}`,
    );
  }
  if (encoded.k === undefined) return undefined;
  if (typeof encoded.k !== 'string' || !Array.isArray(encoded.r) || encoded.r.length === 0) {
    throw new Error(`committed offset metadata holds a malformed intent: ${metadata}`);
  }
  const ranges = encoded.r.map(([partition, from, to]) => {
    if (
      !Number.isInteger(partition) ||
      !/^\d+$/.test(from) ||
      !/^\d+$/.test(to) ||
      BigInt(from) > BigInt(to)
    ) {
      throw new Error(
        `committed offset metadata holds a malformed range [${partition}, ${from}, ${to}): ${metadata}`,
      );
    }
    return { partition, from, to };
  });
  return { intervalStart: encoded.t, part: encoded.n, key: encoded.k, ranges };
}

/** Length of metadata as the broker counts it (bytes of its UTF-8 encoding). */
export function metadataBytes(metadata: string): number {
  return Buffer.byteLength(metadata, 'utf8');
}
