/**
 * kafkajs 2.2.4 re-checks each connection's request queue on a timer of `throttledUntil - Date.now()` ms,
 * also when nothing is pending and nothing is throttled (`network/requestQueue` `scheduleCheckPendingRequests`;
 * kafkajs issues #1704, #1751). Unthrottled, `throttledUntil` is -1: the delay is minus the epoch in ms, which
 * Node clamps to 1 ms. So every broker connection re-checks an empty queue a thousand times a second, and
 * Node 24 and 26 (not 20) print a `TimeoutNegativeWarning` for it on every exporter's stderr.
 *
 * Replaced by the same method without that timer: with nothing pending there is nothing to check; a request
 * that has to wait (throttled, or the in-flight limit reached) is pushed as pending, which schedules the
 * check as before, and every response re-checks the queue. Pending requests keep kafkajs' timing exactly.
 */
// kafkajs exposes no hook for this; the module is internal, so its shape is checked at install time.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: KafkaJsRequestQueue };

/** kafkajs' own interval for re-checking a queue whose requests wait on the in-flight limit. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

interface KafkaJsRequestQueue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

const INSTALLED = Symbol.for('cdktf-batch-exporter.kafkajs-request-queue-check');

/** Stops kafkajs re-checking empty request queues every millisecond (idempotent). */
export function installQuietRequestQueue(): void {
  const prototype = RequestQueue.prototype as KafkaJsRequestQueue & { [INSTALLED]?: true };
  if (prototype[INSTALLED]) return;
  if (
    typeof prototype.scheduleCheckPendingRequests !== 'function' ||
    typeof prototype.checkPendingRequests !== 'function'
  ) {
    throw new Error(
      'kafkajs no longer has network/requestQueue scheduleCheckPendingRequests: check ' +
        'runtime/kafka/kafkajs-request-queue.ts against the installed kafkajs before running the exporter.',
    );
  }
  prototype.scheduleCheckPendingRequests = function scheduleCheckOfPendingRequests(
    this: KafkaJsRequestQueue,
  ): void {
    if (this.throttleCheckTimeoutId) return;
    const untilUnthrottled = this.throttledUntil - Date.now();
    if (this.pending.length === 0 && untilUnthrottled <= 0) return;
    const delay =
      this.pending.length > 0 && untilUnthrottled <= 0
        ? CHECK_PENDING_REQUESTS_INTERVAL_MS
        : untilUnthrottled;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, delay);
  };
  prototype[INSTALLED] = true;
}
