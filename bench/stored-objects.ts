/**
 * What an exporter run left in the bucket, read back after the clock stopped: every data object's lines,
 * so the bench can show that what it timed was complete (each event stored exactly once). With
 * `deleteAfter` the objects read are deleted (DeleteObjects), so the S3 side (gofakes3 keeps every object in
 * memory) never holds more than one run's, or one sustained step's, worth.
 */
import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

export interface StoredObjects {
  readonly dataObjects: number;
  readonly invalidObjects: number;
  readonly validationObjects: number;
  /** Lines across data objects. */
  readonly storedEvents: number;
  /** Distinct `eventId`s across data objects. */
  readonly distinctEvents: number;
  readonly largestObjectBytes: number;
}

const EVENT_ID = '"eventId":"';

/** Where the read-back counts distinct event ids: a Set, or a SequenceIds over several read-backs. */
export interface EventIdTally {
  add(id: string): unknown;
  readonly size: number;
}

/**
 * Distinct ids of the shape `<prefix><n>` (what bench/preload.ts's EventSource writes: a run id, `-`, a
 * sequence number), counted in a bitmap: a sustained run's tens of millions of ids in megabytes, across
 * the read-backs of its steps. Ids seen twice and ids of another shape are counted apart.
 */
export class SequenceIds implements EventIdTally {
  private bits = new Uint8Array(1 << 16);
  size = 0;
  duplicates = 0;
  foreign = 0;

  constructor(private readonly prefix: string) {}

  add(id: string): void {
    const n = id.startsWith(this.prefix) ? Number(id.slice(this.prefix.length)) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 0) {
      this.foreign++;
      return;
    }
    const byte = n >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    const mask = 1 << (n & 7);
    if (this.bits[byte] & mask) {
      this.duplicates++;
    } else {
      this.bits[byte] |= mask;
      this.size++;
    }
  }
}

export async function readStoredObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  options: { readonly ids?: EventIdTally; readonly deleteAfter?: boolean } = {},
): Promise<StoredObjects> {
  const keys: { key: string; size: number }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }),
    );
    for (const item of page.Contents ?? []) keys.push({ key: item.Key!, size: item.Size ?? 0 });
    token = page.NextContinuationToken;
  } while (token);

  const isValidation = (key: string) => key.slice(prefix.length + 1).startsWith('.strm_test_');
  const isInvalid = (key: string) => key.startsWith(`${prefix}/_invalid/`);
  const data = keys.filter(({ key }) => !isValidation(key) && !isInvalid(key));
  const ids = options.ids ?? new Set<string>();
  let storedEvents = 0;
  const queue = [...data];
  const worker = async () => {
    for (let item = queue.shift(); item; item = queue.shift()) {
      const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: item.key }));
      const text = await response.Body!.transformToString('utf8');
      for (const line of text.split('\n')) {
        if (line.length === 0) continue;
        storedEvents++;
        const at = line.lastIndexOf(EVENT_ID);
        if (at >= 0) ids.add(line.slice(at + EVENT_ID.length, line.indexOf('"', at + EVENT_ID.length)));
      }
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  if (options.deleteAfter)
    await deleteObjects(
      s3,
      bucket,
      keys.map(({ key }) => key),
    );
  return {
    dataObjects: data.length,
    invalidObjects: keys.filter(({ key }) => isInvalid(key)).length,
    validationObjects: keys.filter(({ key }) => isValidation(key)).length,
    storedEvents,
    distinctEvents: ids.size,
    largestObjectBytes: Math.max(0, ...data.map(({ size }) => size)),
  };
}

/** Deletes these keys with DeleteObjects (1,000 per request); any key the server did not delete is an error. */
export async function deleteObjects(s3: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  for (let at = 0; at < keys.length; at += 1000) {
    const batch = keys.slice(at, at + 1000);
    const answer = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    if (answer.Errors && answer.Errors.length > 0) {
      const first = answer.Errors[0];
      throw new Error(
        `DeleteObjects in ${bucket} failed for ${answer.Errors.length} of ${batch.length} keys, e.g. ${first.Key}: ${first.Code} ${first.Message}`,
      );
    }
  }
}
