import type { Logger } from 'pino';
import type { SinkType } from '../config/sink-credentials';
import type { SinkConfig } from '../config/types';
import { StoreFailureKind, StoreObserver, StoreOperation, StorePermanentError } from './object-store';

/** Capped exponential backoff with full jitter. */
export interface BackoffPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** About a minute of retrying before an outage counts as permanent. */
export const DEFAULT_BACKOFF: BackoffPolicy = { maxAttempts: 10, initialDelayMs: 200, maxDelayMs: 10_000 };

/** One storage request's timeout before it is abandoned and retried, unless configured. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** The delay before retry number `retry` (1-based). */
export function backoffDelay(
  policy: BackoffPolicy,
  retry: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Node system error codes of a failed connection: the network failed, not the request. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/** The object already exists (412): success for a create-only write, never retried. */
export class AlreadyPresent extends Error {}

/** What the retry loop needs to know about one store: how to read its errors and word its failures. */
export interface RetryContext {
  readonly sinkType: SinkType;
  /** "S3" or "GCS", in log messages. */
  readonly service: string;
  readonly bucket: string;
  readonly logger: Logger;
  readonly observer?: StoreObserver;
  /** @default DEFAULT_BACKOFF */
  readonly backoff?: BackoffPolicy;
  /** Per attempt. @default DEFAULT_REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  classify(error: unknown): StoreFailureKind;
  /** A short description of an error, safe to log (no request, no credentials). */
  describe(error: unknown): string;
  /** The error for a failure retrying cannot fix. */
  permanent(
    operation: StoreOperation,
    key: string | undefined,
    kind: StoreFailureKind,
    error: unknown,
  ): StorePermanentError;
  /** Where a key is, e.g. `s3://bucket/key`, or the bucket itself. */
  location(key: string | undefined): string;
  /** The storage and its endpoint, in the message after the last retry, e.g. "GCS (or the endpoint ...)". */
  readonly reachedAt: string;
}

/** What both stores (S3 and GCS) are created with. */
export interface StoreOptions {
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

/** A store's retry context: its options plus how it reads and words its errors. */
export function retryContext(
  options: StoreOptions,
  specifics: Omit<RetryContext, 'bucket' | 'logger' | 'observer' | 'backoff' | 'requestTimeoutMs' | 'sleep'>,
): RetryContext {
  const { sink, logger, observer, backoff, requestTimeoutMs, sleep } = options;
  return { bucket: sink.bucket, logger, observer, backoff, requestTimeoutMs, sleep, ...specifics };
}

/**
 * Runs `attempt` with a fresh timeout signal per attempt and retries retryable failures with backoff;
 * every failure is logged with its reason and counted through the observer. Throws {@link AlreadyPresent} on
 * 412 and the context's {@link StorePermanentError} otherwise.
 */
export async function withRetries<T>(
  context: RetryContext,
  operation: StoreOperation,
  key: string | undefined,
  attempt: (signal: AbortSignal, timeoutMs: number) => Promise<T>,
): Promise<T> {
  const backoff = context.backoff ?? DEFAULT_BACKOFF;
  const sleep = context.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const timeoutMs = context.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  for (let attemptNumber = 1; ; attemptNumber++) {
    try {
      return await attempt(AbortSignal.timeout(timeoutMs), timeoutMs);
    } catch (error) {
      const kind = context.classify(error);
      if (kind === 'already-present') throw new AlreadyPresent();
      observe(context, () => context.observer?.onError?.(context.sinkType, operation, kind));
      const where = {
        sinkType: context.sinkType,
        bucket: context.bucket,
        key,
        operation,
        attempt: attemptNumber,
        kind,
      };
      if (kind !== 'retryable') {
        context.logger.error(
          { ...where, error: context.describe(error) },
          `${context.service} refused the request; not retrying`,
        );
        throw context.permanent(operation, key, kind, error);
      }
      if (attemptNumber >= backoff.maxAttempts) {
        context.logger.error(
          { ...where, error: context.describe(error) },
          `${context.service} kept failing; giving up`,
        );
        throw retriesExhaustedError(context, operation, key, attemptNumber, error);
      }
      const delay = backoffDelay(backoff, attemptNumber);
      context.logger.warn(
        { ...where, delayMs: delay, error: context.describe(error) },
        `${context.service} request failed; retrying`,
      );
      observe(context, () => context.observer?.onRetry?.(context.sinkType, operation, kind));
      await sleep(delay);
    }
  }
}

function observe(context: RetryContext, call: () => void): void {
  try {
    call();
  } catch (error) {
    context.logger.warn({ error: String(error) }, 'a storage observer failed; ignored');
  }
}

function retriesExhaustedError(
  context: RetryContext,
  operation: StoreOperation,
  key: string | undefined,
  attempts: number,
  error: unknown,
): StorePermanentError {
  return new StorePermanentError(
    `${operation} of ${context.location(key)} failed ${attempts} times; last error: ${context.describe(error)}. ` +
      `${context.reachedAt} is unreachable or overloaded; nothing was committed, so the exporter resumes from ` +
      'the last stored object when restarted.',
    'retries-exhausted',
    context.bucket,
    key,
    { cause: error },
  );
}
