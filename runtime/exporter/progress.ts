import type { BatchContext } from '../kafka/consumer';

/**
 * Signals completed units of work (a commit, an upload attempt, a fetched recovery batch), so a batch
 * handler that waits for them can heartbeat after each one: the group sees this member alive exactly as
 * long as it makes progress, and a stuck one is noticed (no heartbeat from a blind timer).
 */
export class Progress {
  private waiters: Array<() => void> = [];

  tick(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves with `work`'s result, heartbeating after every unit of progress until then. */
  async waitFor<T>(work: Promise<T>, context: BatchContext): Promise<T> {
    let done = false;
    const settled = work.finally(() => {
      done = true;
    });
    for (;;) {
      const next = new Promise<void>((resolve) => this.waiters.push(resolve));
      await Promise.race([
        settled.then(
          () => undefined,
          () => undefined,
        ),
        next,
      ]);
      if (done) return settled;
      await context.heartbeat();
    }
  }
}
