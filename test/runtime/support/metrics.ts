import type { Registry } from 'prom-client';

/**
 * The sum of a metric's values whose labels include `labels` (all of them when none are given), or
 * undefined when the metric has no such value yet.
 */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number | undefined> {
  const metric = await registry.getSingleMetric(name)?.get();
  const matching = (metric?.values ?? []).filter((v) =>
    Object.entries(labels).every(([key, value]) => v.labels[key] === value),
  );
  return matching.length === 0 ? undefined : matching.reduce((sum, v) => sum + v.value, 0);
}
