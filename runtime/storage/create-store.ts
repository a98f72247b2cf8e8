import { sinkTypeOf } from '../config/sink-credentials';
import { GcsObjectStore } from './gcs-store';
import type { ObjectStore } from './object-store';
import type { StoreOptions } from './retry';
import { S3ObjectStore } from './s3-store';

/** The store the sink's credentials decide: GCS for a service account key, S3 otherwise. */
export async function createObjectStore(options: StoreOptions): Promise<ObjectStore> {
  return sinkTypeOf(options.sink.credentials) === 'gcs'
    ? GcsObjectStore.create(options)
    : S3ObjectStore.create(options);
}
