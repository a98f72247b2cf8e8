export {
  ObjectStore,
  PutOutcome,
  StoreErrorKind,
  StoreFailureKind,
  StoreObserver,
  StoreOperation,
  StorePermanentError,
} from './object-store';
export { BackoffPolicy, DEFAULT_BACKOFF, StoreOptions } from './retry';
export { S3ObjectStore, S3Operation, S3StoreOptions, bucketRegion, objectArn } from './s3-store';
export { writeValidationObject } from './validation';
export { GcsObjectStore, GcsStoreOptions } from './gcs-store';
export { createObjectStore } from './create-store';
