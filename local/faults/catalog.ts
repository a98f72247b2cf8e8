import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { LocalGcs } from '../gcs/fake-gcs';
import { StoredObject, namedPartitions } from './verify';

/** Where the catalog reads from: an S3 bucket (moto) or a GCS bucket (fake-gcs-server). */
export interface ObjectSource {
  /** Every key under the prefix. */
  list(prefix: string): Promise<string[]>;
  read(key: string): Promise<Buffer>;
}

/** An S3 bucket read with the administrator's client. */
export function s3ObjectSource(s3: S3Client, bucket: string): ObjectSource {
  return {
    list: async (prefix) => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
        );
        for (const { Key } of page.Contents ?? []) if (Key) keys.push(Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    read: async (key) => {
      const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await body.Body!.transformToByteArray());
    },
  };
}

/** A GCS bucket on the local fake-gcs-server. */
export function gcsObjectSource(gcs: LocalGcs, bucket: string): ObjectSource {
  return {
    list: async (prefix) => (await gcs.listObjects(bucket, prefix)).map((o) => o.name),
    read: (key) => gcs.readObject(bucket, key),
  };
}

/**
 * Every data object under a prefix, read with the admin client (the exporter itself may not list or read).
 * Objects are create-only, so each key is downloaded once and cached.
 */
export class ObjectCatalog {
  private readonly objects = new Map<string, StoredObject>();
  private readonly invalidNames: string[] = [];

  constructor(
    private readonly source: ObjectSource,
    private readonly prefix: string,
  ) {}

  /** Lists the prefix and downloads objects not seen before; resolves with how many were new. */
  async refresh(): Promise<number> {
    let added = 0;
    for (const key of await this.source.list(`${this.prefix}/`)) {
      if (this.objects.has(key) || this.invalidNames.includes(key)) continue;
      const relative = key.slice(this.prefix.length + 1);
      if (relative.startsWith('.strm_test_') || relative.startsWith('_invalid/')) continue;
      const partitions = namedPartitions(key);
      if (!partitions) {
        this.invalidNames.push(key);
        continue;
      }
      const bytes = await this.source.read(key);
      this.objects.set(key, {
        key,
        namedPartitions: partitions,
        eventIds: parseLines(bytes.toString('utf8')),
        bytes: bytes.length,
      });
      added += 1;
    }
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
