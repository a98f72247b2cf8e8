/**
 * Object keys, as the seed documents them:
 * `<prefix>/<UTC interval start YYYY-MM-DDTHH:mm:ss>-stream-<stream name>---<partitions ascending, joined by ->.jsonl`
 * (no prefix: no leading slash). When one consumer writes more than one object with the same interval start
 * and partitions (an interval split by the maximum object size, or a restart within an interval), the later
 * ones carry a part number: `...---0-1.1.jsonl`, `...---0-1.2.jsonl`. Invalid records go to
 * `<prefix>/_invalid/<same name>`.
 */
export interface ObjectName {
  /** Start of the interval, milliseconds since the epoch (UTC). */
  readonly intervalStart: number;
  readonly partitions: readonly number[];
  /** 0 for the first object of an interval and partition set, then 1, 2, ... */
  readonly part: number;
}

/** S3 refuses longer keys (KeyTooLongError). */
export const MAX_S3_KEY_BYTES = 1024;

/**
 * By how many bytes the keys of a stream name and path prefix overshoot S3's limit even for an object of one
 * partition (numbered up to 99999, part up to 999): 0 when they fit. Objects of many partitions are split
 * further at write time, since their keys list every partition.
 */
export function keyLengthExcess(streamName: string, pathPrefix: string | undefined): number {
  const namer = new ObjectNamer(streamName, pathPrefix);
  const longest = namer.invalidKey({
    intervalStart: Date.UTC(9999, 11, 31, 23, 59, 59),
    partitions: [99_999],
    part: 999,
  });
  return Math.max(0, Buffer.byteLength(longest) - MAX_S3_KEY_BYTES);
}

export class ObjectNamer {
  /** `''` or `<prefix>/`. */
  private readonly prefix: string;

  constructor(
    private readonly streamName: string,
    pathPrefix: string | undefined,
  ) {
    this.prefix = pathPrefix ? `${pathPrefix}/` : '';
  }

  /** The key of the data object. */
  dataKey(name: ObjectName): string {
    return `${this.prefix}${this.fileName(name)}`;
  }

  /** The key of the object holding the invalid records of the same batch. */
  invalidKey(name: ObjectName): string {
    return `${this.prefix}_invalid/${this.fileName(name)}`;
  }

  /** `_invalid/` key for a data key produced by {@link dataKey}. */
  invalidKeyFor(dataKey: string): string {
    if (!dataKey.startsWith(this.prefix)) {
      throw new Error(`key '${dataKey}' is not under the path prefix '${this.prefix}'`);
    }
    return `${this.prefix}_invalid/${dataKey.slice(this.prefix.length)}`;
  }

  private fileName(name: ObjectName): string {
    const partitions = [...name.partitions].sort((a, b) => a - b).join('-');
    const part = name.part > 0 ? `.${name.part}` : '';
    return `${formatIntervalStart(name.intervalStart)}-stream-${this.streamName}---${partitions}${part}.jsonl`;
  }
}

/** `YYYY-MM-DDTHH:mm:ss` in UTC. */
export function formatIntervalStart(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19);
}

/** The start of the interval holding `epochMs`: intervals are aligned to UTC multiples of their length. */
export function intervalStartOf(epochMs: number, intervalSeconds: number): number {
  const length = intervalSeconds * 1000;
  return Math.floor(epochMs / length) * length;
}
