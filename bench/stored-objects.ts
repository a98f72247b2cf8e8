/**
 * What an exporter run left in the bucket, read back after the clock stopped: every data object's lines,
 * so the bench can show that what it timed was complete (each event stored exactly once).
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';

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

export async function readStoredObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
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
  const ids = new Set<string>();
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
  return {
    dataObjects: data.length,
    invalidObjects: keys.filter(({ key }) => isInvalid(key)).length,
    validationObjects: keys.filter(({ key }) => isValidation(key)).length,
    storedEvents,
    distinctEvents: ids.size,
    largestObjectBytes: Math.max(0, ...data.map(({ size }) => size)),
  };
}
