import { sinkTypeOf } from '../config/sink-credentials';
import type { ObjectStore } from './object-store';
import type { StoreOptions } from './retry';

/**
 * The store the sink's credentials decide: GCS for a service account key, S3 otherwise. Each SDK is loaded
 * only when its store is used (loading @google-cloud/storage costs an S3 exporter ~0.1 s of CPU at start-up).
 */
export async function createObjectStore(options: StoreOptions): Promise<ObjectStore> {
  return sinkTypeOf(options.sink.credentials) === 'gcs'
    ? (await import('./gcs-store')).GcsObjectStore.create(options)
    : (await import('./s3-store')).S3ObjectStore.create(options);
}
