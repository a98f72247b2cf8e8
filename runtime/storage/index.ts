export { ObjectStore, PutOutcome, StoreErrorKind, StorePermanentError } from './object-store';
export { BackoffPolicy, DEFAULT_BACKOFF } from './retry';
export {
  S3ObjectStore,
  S3Operation,
  S3StoreOptions,
  StoreObserver,
  bucketRegion,
  objectArn,
} from './s3-store';
export { writeValidationObject } from './validation';
