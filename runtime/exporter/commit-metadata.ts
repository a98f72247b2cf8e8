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
  readonly intent?: ObjectIntent;
}

/** Kafka's default `offset.metadata.max.bytes`: brokers refuse longer commit metadata. */
export const DEFAULT_MAX_COMMIT_METADATA_BYTES = 4096;

const VERSION = 1;

interface Encoded {
  v: number;
  t: number;
  n: number;
  k?: string;
  r?: Array<[number, string, string]>;
}

/** Metadata of a completed object: the mark only. */
export function encodeMark(mark: PartitionMark): string {
  const encoded: Encoded = { v: VERSION, t: mark.intervalStart, n: mark.part };
  return JSON.stringify(encoded);
}

/** Metadata of an object about to be written. */
export function encodeIntent(intent: ObjectIntent): string {
  const encoded: Encoded = {
    v: VERSION,
    t: intent.intervalStart,
    n: intent.part,
    k: intent.key,
    r: intent.ranges.map((range) => [range.partition, range.from, range.to]),
  };
  return JSON.stringify(encoded);
}

/**
 * Reads metadata written by {@link encodeMark} or {@link encodeIntent}. Anything else (empty, written by
 * another tool) means "no mark, no intent"; malformed exporter metadata is an error, since ignoring an
 * intent could lose or duplicate data.
 */
export function decodeCommitMetadata(metadata: string | null | undefined): CommitMetadata {
  if (!metadata || !metadata.startsWith('{"v":')) return {};
  let parsed: Encoded;
  try {
    parsed = JSON.parse(metadata) as Encoded;
  } catch (error) {
    throw new Error(`committed offset metadata is not valid JSON (${(error as Error).message}): ${metadata}`);
  }
  if (parsed.v !== VERSION || typeof parsed.t !== 'number' || typeof parsed.n !== 'number') {
    throw new Error(
      `committed offset metadata has an unknown version or shape (expected version ${VERSION}): ${metadata}`,
    );
  }
  const mark: PartitionMark = { intervalStart: parsed.t, part: parsed.n };
  if (parsed.k === undefined) return { mark };
  if (typeof parsed.k !== 'string' || !Array.isArray(parsed.r) || parsed.r.length === 0) {
    throw new Error(`committed offset metadata holds a malformed intent: ${metadata}`);
  }
  const ranges = parsed.r.map(([partition, from, to]) => {
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
  return { mark, intent: { ...mark, key: parsed.k, ranges } };
}

/** Length of metadata as the broker counts it (bytes of its UTF-8 encoding). */
export function metadataBytes(metadata: string): number {
  return Buffer.byteLength(metadata, 'utf8');
}
