import type { ScenarioResult, ScenarioSpec } from './scenario';

/**
 * Runs scenarios in their order, up to `concurrency` at a time (they share the broker and moto but not
 * topics, prefixes, groups or proxies); an `exclusive` scenario waits for the others and runs alone.
 * Returns each scenario's result promise by id, all created before any scenario starts.
 */
export function scheduleScenarios(
  specs: readonly ScenarioSpec[],
  run: (spec: ScenarioSpec) => Promise<ScenarioResult>,
  concurrency: number,
): Map<string, Promise<ScenarioResult>> {
  const settle = new Map<string, { resolve(r: ScenarioResult): void; reject(e: unknown): void }>();
  const results = new Map<string, Promise<ScenarioResult>>();
  for (const spec of specs) {
    const promise = new Promise<ScenarioResult>((resolve, reject) =>
      settle.set(spec.id, { resolve, reject }),
    );
    // A test awaits each; a scenario whose test was filtered out (jest -t) must not be an unhandled rejection.
    promise.catch(() => undefined);
    results.set(spec.id, promise);
  }
  void (async () => {
    const running = new Set<Promise<unknown>>();
    for (const spec of specs) {
      const limit = spec.exclusive ? 1 : Math.max(1, concurrency);
      while (running.size >= limit || (spec.exclusive && running.size > 0)) await Promise.race(running);
      const { resolve, reject } = settle.get(spec.id)!;
      const task: Promise<void> = run(spec)
        .then(resolve, reject)
        .finally(() => running.delete(task));
      running.add(task);
      if (spec.exclusive) await task;
    }
  })();
  return results;
}
