import type { StoreFailureKind } from './object-store';
import { NETWORK_ERROR_CODES } from './retry';

/** How an S3 failure is handled: decided from the error's kind, never from its message text. */
export type S3FailureKind = StoreFailureKind;

interface SdkErrorShape {
  name?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
}

const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeTooSkewed',
  'InternalError',
  'ServiceUnavailable',
  'TimeoutError',
  'AbortError',
  'RequestTimeoutException',
]);

export function classifyS3Error(error: unknown): S3FailureKind {
  const shape = (error ?? {}) as SdkErrorShape;
  const status = shape.$metadata?.httpStatusCode;
  if (status === 412 || shape.name === 'PreconditionFailed') return 'already-present';
  if (shape.name === 'NoSuchBucket') return 'no-such-bucket';
  if (status === 403 || shape.name === 'AccessDenied' || shape.name === 'InvalidAccessKeyId')
    return 'access-denied';
  if (status !== undefined && (status === 429 || status >= 500)) return 'retryable';
  if (shape.name !== undefined && RETRYABLE_NAMES.has(shape.name)) return 'retryable';
  if (shape.code !== undefined && NETWORK_ERROR_CODES.has(shape.code)) return 'retryable';
  // No HTTP answer at all (socket closed, DNS): the network, not the request, failed.
  if (status === undefined && shape.$retryable !== undefined) return 'retryable';
  if (status === undefined && error instanceof Error && !(shape.name ?? '').endsWith('Exception')) {
    return 'retryable';
  }
  return 'rejected';
}

/** A short description of an SDK error, safe to log (no request, no credentials). */
export function describeS3Error(error: unknown): string {
  const shape = (error ?? {}) as SdkErrorShape & { message?: string };
  const status = shape.$metadata?.httpStatusCode;
  const name = shape.name ?? shape.code ?? 'Error';
  return `${name}${status === undefined ? '' : ` (HTTP ${status})`}: ${shape.message ?? String(error)}`;
}
