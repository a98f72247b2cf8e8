import { Storage, type StorageOptions } from '@google-cloud/storage';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gcsWriterGrantCommand } from '../config/gcs-policy';
import { classifyGcsError, describeGcsError } from './gcs-errors';
import { ObjectBody, ObjectStore, PutOutcome, StoreFailureKind, StorePermanentError } from './object-store';
import { AlreadyPresent, RetryContext, StoreOptions, retryContext, withRetries } from './retry';

/** Its sink's credentials decide the type: a Google service account key. */
export type GcsStoreOptions = StoreOptions;

/**
 * An {@link ObjectStore} on Google Cloud Storage (or a JSON API endpoint such as fake-gcs-server) that makes
 * exactly one kind of request: `objects.insert` as a single multipart upload with `ifGenerationMatch=0`,
 * which creates the object only if no live object has that name (412 otherwise = already stored). That
 * needs `storage.objects.create` only (roles/storage.objectCreator), no bucket lookup.
 *
 * Why a multipart (simple) upload and not a resumable one: objects are bounded by maxObjectBytes (64 MiB by
 * default) and held in memory anyway, so one request carries the whole object; a resumable upload would
 * take two requests or more per object and leave session state behind for a crashed exporter, while a
 * retried simple upload is all-or-nothing and is answered 412 if an earlier attempt did store it.
 */
export class GcsObjectStore implements ObjectStore {
  readonly bucket: string;
  readonly sinkType = 'gcs';

  private constructor(
    private readonly storage: Storage,
    private readonly options: GcsStoreOptions,
  ) {
    this.bucket = options.sink.bucket;
  }

  /** A store writing with the sink's service account key; no request is made until the first put. */
  static create(options: GcsStoreOptions): GcsObjectStore {
    const { credentials, endpoint, bucket } = options.sink;
    if (credentials.kind !== 'gcs-service-account') {
      throw new Error(
        `GcsObjectStore needs a Google service account key, not ${credentials.kind} credentials`,
      );
    }
    const config: StorageOptions = {
      projectId: credentials.projectId,
      credentials: { client_email: credentials.clientEmail, private_key: credentials.privateKey },
      // Retries are ours: each one is logged with its reason and counted.
      retryOptions: { autoRetry: false, maxRetries: 0 },
      ...(endpoint !== undefined && { apiEndpoint: endpoint.replace(/\/+$/, '') }),
    };
    options.logger.info(
      {
        sinkType: 'gcs',
        bucket,
        endpoint: endpoint ?? 'Google Cloud Storage',
        serviceAccount: credentials.clientEmail,
      },
      'GCS object store ready',
    );
    return new GcsObjectStore(new Storage(config), options);
  }

  async putIfAbsent(key: string, body: ObjectBody): Promise<PutOutcome> {
    const file = this.storage.bucket(this.bucket).file(key);
    try {
      await withRetries(retryContextOf(this.options), 'objects.insert', key, async (signal, timeoutMs) => {
        const upload = file.createWriteStream({
          resumable: false,
          preconditionOpts: { ifGenerationMatch: 0 },
          contentType: 'application/x-ndjson',
          // No client-side MD5/CRC32C check after the upload: on a mismatch the client would delete the object,
          // which the writer may not do. TLS protects the body in transit, like on the S3 side.
          validation: false,
          timeout: timeoutMs,
        });
        // A fresh stream per attempt; chunks are sent as they are, never joined into a second copy.
        const source = Readable.from(Buffer.isBuffer(body) ? [body] : body, { objectMode: false });
        await pipeline(source, upload, { signal });
      });
      return 'created';
    } catch (error) {
      if (error instanceof AlreadyPresent) return 'already-present';
      throw error;
    }
  }
}

function retryContextOf(options: GcsStoreOptions): RetryContext {
  return retryContext(options, {
    sinkType: 'gcs',
    service: 'GCS',
    classify: classifyGcsError,
    describe: describeGcsError,
    permanent: (_operation, key, kind, error) => permanentError(options, key, kind, error),
    location: (key) => location(options, key),
    reachedAt: `GCS (or the endpoint ${options.sink.endpoint ?? 'storage.googleapis.com'})`,
  });
}

function location(options: GcsStoreOptions, key: string | undefined): string {
  return key === undefined ? `bucket '${options.sink.bucket}'` : `gs://${options.sink.bucket}/${key}`;
}

function permanentError(
  options: GcsStoreOptions,
  key: string | undefined,
  kind: StoreFailureKind,
  error: unknown,
): StorePermanentError {
  const { bucket, credentials, endpoint } = options.sink;
  const prefix = options.pathPrefix ? `prefix '${options.pathPrefix}'` : 'no prefix';
  const cause = describeGcsError(error);
  const member =
    credentials.kind === 'gcs-service-account'
      ? `serviceAccount:${credentials.clientEmail}`
      : 'serviceAccount:<the sink service account>';
  if (kind === 'access-denied') {
    return new StorePermanentError(
      `GCS denied objects.insert of ${location(options, key)} (bucket '${bucket}', ${prefix}; ${cause}). The sink's ` +
        `service account (${member}) needs roles/storage.objectCreator on the bucket for the objects it writes: ` +
        `grant it with \`${gcsWriterGrantCommand(bucket, member, options.pathPrefix)}\`, or fix the sink credentials ` +
        '(a deleted or disabled key is refused too).',
      'access-denied',
      bucket,
      key,
      { cause: error },
    );
  }
  if (kind === 'no-such-bucket') {
    return new StorePermanentError(
      `GCS bucket '${bucket}' does not exist (${cause}${endpoint ? `, endpoint ${endpoint}` : ''}). ` +
        'Create it, or fix the sink bucket name (BATCH_EXPORTER_SINK_BUCKET).',
      'no-such-bucket',
      bucket,
      key,
      { cause: error },
    );
  }
  return new StorePermanentError(
    `GCS rejected objects.insert of ${location(options, key)} (${prefix}): ${cause}.`,
    'rejected',
    bucket,
    key,
    { cause: error },
  );
}
