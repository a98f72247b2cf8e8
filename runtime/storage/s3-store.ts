import {
  GetBucketLocationCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { SinkConfig } from '../config/types';
import { ObjectBody, ObjectStore, PutOutcome, StorePermanentError, bodyLength } from './object-store';
import { BackoffPolicy, DEFAULT_BACKOFF, backoffDelay } from './retry';
import { S3FailureKind, classifyS3Error, describeS3Error } from './s3-errors';

/** Told about every S3 attempt; implementations must not throw (they are guarded anyway). */
export interface StoreObserver {
  onRetry?(operation: S3Operation, kind: S3FailureKind): void;
  onError?(operation: S3Operation, kind: S3FailureKind): void;
}

/** The only two S3 operations the runtime ever performs. */
export type S3Operation = 'GetBucketLocation' | 'PutObject';

export interface S3StoreOptions {
  readonly sink: SinkConfig;
  /** Only for messages: the exporter's objects live under it. */
  readonly pathPrefix?: string;
  readonly logger: Logger;
  readonly observer?: StoreObserver;
  /** @default DEFAULT_BACKOFF */
  readonly backoff?: BackoffPolicy;
  /** Per attempt. @default 30000 */
  readonly requestTimeoutMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** GetBucketLocation answers on the global endpoint for buckets of every region. */
const LOOKUP_REGION = 'us-east-1';

/**
 * An {@link ObjectStore} on S3 (or an S3-compatible endpoint) that uses exactly `s3:GetBucketLocation`
 * (once, unless the region is configured) and `s3:PutObject` with `If-None-Match: *`.
 */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;

  private constructor(
    private readonly client: S3Client,
    private readonly options: S3StoreOptions,
    readonly region: string,
  ) {
    this.bucket = options.sink.bucket;
  }

  /** Finds the bucket's region (unless configured) and returns a store writing there. */
  static async create(options: S3StoreOptions): Promise<S3ObjectStore> {
    const region = options.sink.region ?? (await bucketRegion(options));
    options.logger.info(
      {
        bucket: options.sink.bucket,
        region,
        endpoint: options.sink.endpoint,
        regionFrom: options.sink.region ? 'config' : 'GetBucketLocation',
      },
      'object store ready',
    );
    return new S3ObjectStore(createS3Client(options, region), options, region);
  }

  async putIfAbsent(key: string, body: ObjectBody): Promise<PutOutcome> {
    const length = bodyLength(body);
    // Chunks are streamed as they are (a fresh stream per attempt), never joined into a second copy.
    const command = () =>
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: Buffer.isBuffer(body) ? body : Readable.from(body, { objectMode: false }),
        IfNoneMatch: '*',
        ContentType: 'application/x-ndjson',
        ContentLength: length,
      });
    try {
      await withRetries(this.options, 'PutObject', key, (signal) =>
        this.client.send(command(), { abortSignal: signal }),
      );
      return 'created';
    } catch (error) {
      if (error instanceof AlreadyPresent) return 'already-present';
      throw error;
    }
  }
}

/**
 * The bucket's region from GetBucketLocation: an empty constraint means us-east-1 and the legacy `EU`
 * means eu-west-1.
 */
export async function bucketRegion(options: S3StoreOptions): Promise<string> {
  const client = createS3Client(options, LOOKUP_REGION);
  try {
    const answer = await withRetries(options, 'GetBucketLocation', undefined, (signal) =>
      client.send(new GetBucketLocationCommand({ Bucket: options.sink.bucket }), { abortSignal: signal }),
    );
    return regionFromLocationConstraint(answer.LocationConstraint);
  } finally {
    client.destroy();
  }
}

export function regionFromLocationConstraint(constraint: string | undefined | null): string {
  if (constraint === undefined || constraint === null || constraint === '') return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

function createS3Client(options: S3StoreOptions, region: string): S3Client {
  const { sink } = options;
  const config: S3ClientConfig = {
    region,
    // Retries are ours: each one is logged with its reason and counted.
    maxAttempts: 1,
    // No SDK-computed CRC32 trailer: it would switch streamed bodies to aws-chunked encoding and hash every
    // byte once more. TLS protects the body in transit; S3 still checks the Content-Length.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    requestHandler: { requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS },
    ...(sink.endpoint === undefined ? {} : { endpoint: sink.endpoint, forcePathStyle: true }),
    ...(sink.credentials.kind === 'static'
      ? {
          credentials: {
            accessKeyId: sink.credentials.accessKeyId,
            secretAccessKey: sink.credentials.secretAccessKey,
          },
        }
      : {}),
  };
  return new S3Client(config);
}

class AlreadyPresent extends Error {}

async function withRetries<T>(
  options: S3StoreOptions,
  operation: S3Operation,
  key: string | undefined,
  attempt: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const backoff = options.backoff ?? DEFAULT_BACKOFF;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(AbortSignal.timeout(timeoutMs));
    } catch (error) {
      const kind = classifyS3Error(error);
      if (kind === 'already-present') throw new AlreadyPresent();
      observe(options, () => options.observer?.onError?.(operation, kind));
      const where = { bucket: options.sink.bucket, key, operation, attempt: attemptNumber, kind };
      if (kind !== 'retryable') {
        options.logger.error(
          { ...where, error: describeS3Error(error) },
          'S3 refused the request; not retrying',
        );
        throw permanentError(options, operation, key, kind, error);
      }
      if (attemptNumber >= backoff.maxAttempts) {
        options.logger.error({ ...where, error: describeS3Error(error) }, 'S3 kept failing; giving up');
        throw new StorePermanentError(
          `${operation} of ${location(options, key)} failed ${attemptNumber} times; last error: ` +
            `${describeS3Error(error)}. S3 (or the endpoint ${options.sink.endpoint ?? 'of the bucket region'}) ` +
            'is unreachable or overloaded; nothing was committed, so the exporter resumes from the last stored ' +
            'object when restarted.',
          'retries-exhausted',
          options.sink.bucket,
          key,
          { cause: error },
        );
      }
      const delay = backoffDelay(backoff, attemptNumber);
      options.logger.warn(
        { ...where, delayMs: delay, error: describeS3Error(error) },
        'S3 request failed; retrying',
      );
      observe(options, () => options.observer?.onRetry?.(operation, kind));
      await sleep(delay);
    }
  }
}

function observe(options: S3StoreOptions, call: () => void): void {
  try {
    call();
  } catch (error) {
    options.logger.warn({ error: String(error) }, 'a storage observer failed; ignored');
  }
}

function location(options: S3StoreOptions, key: string | undefined): string {
  return key === undefined ? `bucket '${options.sink.bucket}'` : `s3://${options.sink.bucket}/${key}`;
}

/** The object ARN the exporter's policy grants PutObject on (no double slash without a prefix). */
export function objectArn(bucket: string, pathPrefix: string | undefined): string {
  return pathPrefix ? `arn:aws:s3:::${bucket}/${pathPrefix}/*.jsonl` : `arn:aws:s3:::${bucket}/*.jsonl`;
}

function permanentError(
  options: S3StoreOptions,
  operation: S3Operation,
  key: string | undefined,
  kind: S3FailureKind,
  error: unknown,
): StorePermanentError {
  const { bucket } = options.sink;
  const prefix = options.pathPrefix ? `prefix '${options.pathPrefix}'` : 'no prefix';
  const cause = describeS3Error(error);
  let message: string;
  let errorKind: StorePermanentError['kind'];
  if (kind === 'access-denied') {
    errorKind = 'access-denied';
    message =
      operation === 'GetBucketLocation'
        ? `S3 denied GetBucketLocation on bucket '${bucket}' (${cause}). The sink's credentials need ` +
          `s3:GetBucketLocation on arn:aws:s3:::${bucket}: grant it, or set the sink region ` +
          '(BATCH_EXPORTER_SINK_REGION) so the exporter does not need to look it up.'
        : `S3 denied PutObject of ${location(options, key)} (bucket '${bucket}', ${prefix}; ${cause}). The sink's ` +
          `credentials need s3:PutObject on ${objectArn(bucket, options.pathPrefix)}: attach the policy printed by ` +
          `\`batch-exporter policy --bucket ${bucket}${options.pathPrefix ? ` --prefix ${options.pathPrefix}` : ''}\` ` +
          'to the IAM user of the sink, or fix the sink credentials.';
  } else if (kind === 'no-such-bucket') {
    errorKind = 'no-such-bucket';
    message =
      `Bucket '${bucket}' does not exist (${cause}${options.sink.endpoint ? `, endpoint ${options.sink.endpoint}` : ''}). ` +
      'Create it, or fix the sink bucket name (BATCH_EXPORTER_SINK_BUCKET).';
  } else {
    errorKind = 'rejected';
    message = `S3 rejected ${operation} of ${location(options, key)} (${prefix}): ${cause}.`;
  }
  return new StorePermanentError(message, errorKind, bucket, key, { cause: error });
}
