/** Capped exponential backoff with full jitter. */
export interface BackoffPolicy {
  /** Attempts in total, the first included. */
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** About a minute of retrying before an outage counts as permanent. */
export const DEFAULT_BACKOFF: BackoffPolicy = { maxAttempts: 10, initialDelayMs: 200, maxDelayMs: 10_000 };

/** The delay before retry number `retry` (1-based). */
export function backoffDelay(
  policy: BackoffPolicy,
  retry: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
