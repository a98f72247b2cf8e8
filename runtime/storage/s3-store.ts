import {
  GetBucketLocationCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Readable } from 'node:stream';
import {
  ObjectBody,
  ObjectStore,
  PutOutcome,
  StoreFailureKind,
  StoreOperation,
  StorePermanentError,
  bodyLength,
} from './object-store';
import {
  AlreadyPresent,
  DEFAULT_REQUEST_TIMEOUT_MS,
  RetryContext,
  StoreOptions,
  retryContext,
  withRetries,
} from './retry';
import { classifyS3Error, describeS3Error } from './s3-errors';

/** The only two S3 operations the runtime ever performs. */
export type S3Operation = Extract<StoreOperation, 'GetBucketLocation' | 'PutObject'>;

/** Its sink's credentials decide the type: an access key or the default chain. */
export type S3StoreOptions = StoreOptions;

/** GetBucketLocation answers on the global endpoint for buckets of every region. */
const LOOKUP_REGION = 'us-east-1';

/**
 * An {@link ObjectStore} on S3 (or an S3-compatible endpoint) that uses exactly `s3:GetBucketLocation`
 * (once, unless the region is configured) and `s3:PutObject` with `If-None-Match: *`.
 */
export class S3ObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly sinkType = 's3';

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
        sinkType: 's3',
        bucket: options.sink.bucket,
        region,
        endpoint: options.sink.endpoint,
        regionFrom: options.sink.region ? 'config' : 'GetBucketLocation',
      },
      'S3 object store ready',
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
      await withRetries(retryContextOf(this.options), 'PutObject', key, (signal) =>
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
    const answer = await withRetries(retryContextOf(options), 'GetBucketLocation', undefined, (signal) =>
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

function retryContextOf(options: S3StoreOptions): RetryContext {
  return retryContext(options, {
    sinkType: 's3',
    service: 'S3',
    classify: classifyS3Error,
    describe: describeS3Error,
    permanent: (operation, key, kind, error) =>
      permanentError(options, operation as S3Operation, key, kind, error),
    location: (key) => location(options, key),
    reachedAt: `S3 (or the endpoint ${options.sink.endpoint ?? 'of the bucket region'})`,
  });
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
  kind: StoreFailureKind,
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
