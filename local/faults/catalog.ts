import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { StoredObject, namedPartitions } from './verify';

/**
 * Every data object under a prefix, read with the admin client (the exporter itself may not list or read).
 * Objects are create-only, so each key is downloaded once and cached.
 */
export class ObjectCatalog {
  private readonly objects = new Map<string, StoredObject>();
  private readonly invalidNames: string[] = [];

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  /** Lists the prefix and downloads objects not seen before; resolves with how many were new. */
  async refresh(): Promise<number> {
    let token: string | undefined;
    let added = 0;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `${this.prefix}/`,
          ContinuationToken: token,
        }),
      );
      for (const { Key } of page.Contents ?? []) {
        if (!Key || this.objects.has(Key) || this.invalidNames.includes(Key)) continue;
        const relative = Key.slice(this.prefix.length + 1);
        if (relative.startsWith('.strm_test_') || relative.startsWith('_invalid/')) continue;
        const partitions = namedPartitions(Key);
        if (!partitions) {
          this.invalidNames.push(Key);
          continue;
        }
        const body = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key }));
        const bytes = Buffer.from(await body.Body!.transformToByteArray());
        this.objects.set(Key, {
          key: Key,
          namedPartitions: partitions,
          eventIds: parseLines(bytes.toString('utf8')),
          bytes: bytes.length,
        });
        added += 1;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return added;
  }

  all(): StoredObject[] {
    return [...this.objects.values()];
  }

  /** Keys under the prefix that are neither data objects, validation objects nor invalid-record objects. */
  unexpectedKeys(): readonly string[] {
    return this.invalidNames;
  }
}

function parseLines(text: string): (string | undefined)[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => {
      try {
        const value = JSON.parse(line) as { eventId?: unknown };
        return typeof value.eventId === 'string' ? value.eventId : undefined;
      } catch {
        return undefined;
      }
    });
}
