import type { SinkType } from '../config/sink-credentials';

/** What the exporter needs from object storage: create-only writes, nothing else. */
export interface ObjectStore {
  /** The bucket objects go to (for messages). */
  readonly bucket: string;
  /**
   * Stores `body` under `key` unless an object already exists there (`If-None-Match: *`).
   * `already-present` is success: under the exactly-once protocol a key is only ever reused for
   * byte-identical content (a retry after a lost response, or the completion of a recorded intent).
   * Throws {@link StorePermanentError} for errors retrying cannot fix.
   */
  putIfAbsent(key: string, body: ObjectBody): Promise<PutOutcome>;
}

/**
 * An object's content: one buffer, or chunks stored in order as one object without being joined first
 * (no second copy of a large object in memory).
 */
export type ObjectBody = Buffer | readonly Buffer[];

/** The number of bytes of a body. */
export function bodyLength(body: ObjectBody): number {
  return Buffer.isBuffer(body) ? body.length : body.reduce((sum, chunk) => sum + chunk.length, 0);
}

export type PutOutcome = 'created' | 'already-present';

/** Why a store gave up for good. */
export type StoreErrorKind = 'access-denied' | 'no-such-bucket' | 'rejected' | 'retries-exhausted';

/**
 * A storage error that retrying cannot fix (403, no such bucket, a rejected request) or that kept failing
 * after every retry. The message names the bucket, the key and what to change; it never holds a secret.
 */
export class StorePermanentError extends Error {
  constructor(
    message: string,
    readonly kind: StoreErrorKind,
    readonly bucket: string,
    readonly key: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorePermanentError';
  }
}

/** How a storage failure is handled: decided from the error's kind, never from its message text. */
export type StoreFailureKind =
  'already-present' | 'retryable' | 'access-denied' | 'no-such-bucket' | 'rejected';

/**
 * The only requests the runtime ever makes to storage: S3 `GetBucketLocation` and `PutObject`, GCS
 * `objects.insert` (a create-only upload).
 */
export type StoreOperation = 'GetBucketLocation' | 'PutObject' | 'objects.insert';

/** Told about every failed storage attempt; implementations must not throw (they are guarded anyway). */
export interface StoreObserver {
  onRetry?(sinkType: SinkType, operation: StoreOperation, kind: StoreFailureKind): void;
  onError?(sinkType: SinkType, operation: StoreOperation, kind: StoreFailureKind): void;
}
