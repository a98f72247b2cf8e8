/**
 * How a failure of the GCS client (@google-cloud/storage) is handled: decided from the HTTP status and the
 * error's code, never from its message text. 412 on a create-only upload (`ifGenerationMatch: 0`) is the
 * GCS counterpart of S3's failed `If-None-Match: *`: the object is already stored.
 */
import type { StoreFailureKind } from './object-store';
import { NETWORK_ERROR_CODES } from './retry';

interface GcsErrorShape {
  name?: string;
  /** An HTTP status (ApiError, GaxiosError's status) or a Node system error code. */
  code?: number | string;
  status?: number;
  type?: string;
  response?: { status?: number; statusCode?: number };
  errors?: Array<{ reason?: string }>;
  message?: string;
}

/** Besides the connection failures: a stream closed early, our abort, axios-style aborts. */
const STREAM_ERROR_CODES = new Set(['ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE', 'ABORT_ERR']);

/** The HTTP status of a client error, when there was an answer. */
export function gcsStatus(error: unknown): number | undefined {
  const shape = (error ?? {}) as GcsErrorShape;
  if (typeof shape.code === 'number') return shape.code;
  if (typeof shape.status === 'number') return shape.status;
  return shape.response?.status ?? shape.response?.statusCode;
}

export function classifyGcsError(error: unknown): StoreFailureKind {
  const shape = (error ?? {}) as GcsErrorShape;
  const status = gcsStatus(error);
  if (status === 412) return 'already-present';
  if (status === 404) return 'no-such-bucket';
  if (status === 401 || status === 403) return 'access-denied';
  if (status !== undefined && (status === 408 || status === 429 || status >= 500)) return 'retryable';
  if (status !== undefined) return 'rejected';
  // No HTTP answer: a timeout (ours or node-fetch's), a closed socket, DNS. The network failed, not the request.
  if (
    typeof shape.code === 'string' &&
    (NETWORK_ERROR_CODES.has(shape.code) || STREAM_ERROR_CODES.has(shape.code))
  )
    return 'retryable';
  if (shape.name === 'AbortError' || shape.name === 'TimeoutError' || shape.type === 'request-timeout')
    return 'retryable';
  if (shape.type === 'system') return 'retryable';
  return error instanceof Error ? 'retryable' : 'rejected';
}

/** A short description of a client error, safe to log (no request, no credentials). */
export function describeGcsError(error: unknown): string {
  const shape = (error ?? {}) as GcsErrorShape;
  const status = gcsStatus(error);
  const reason = shape.errors?.[0]?.reason;
  const name =
    shape.name && shape.name !== 'Error' ? shape.name : typeof shape.code === 'string' ? shape.code : 'Error';
  const message = (shape.message ?? String(error)).split('\n')[0];
  return `${name}${status === undefined ? '' : ` (HTTP ${status}${reason ? `, ${reason}` : ''})`}: ${message}`;
}
