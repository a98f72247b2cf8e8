/**
 * bench/throughput-rss.svg: throughput (kcat, bare kafkajs, exporter) and the exporter's peak RSS against
 * the number of partitions, drawn with vega-lite and rendered to SVG by vega's headless View.
 */
import type { BenchResults } from './results';

/**
 * vega and vega-lite are ES modules with top-level await, which `require` cannot load; TypeScript compiles
 * `import()` to `require` under CommonJS, so the import is built at run time to stay a real `import()`.
 */
const importModule = new Function('specifier', 'return import(specifier)') as <T>(
  specifier: string,
) => Promise<T>;

// Type-only: moduleResolution "node" finds vega-lite's declarations by path, not through its exports map.
type VegaLite = typeof import('vega-lite/build/index');
type Vega = typeof import('vega');

export async function renderChart(results: BenchResults): Promise<string> {
  const vl = await importModule<VegaLite>('vega-lite');
  const vega = await importModule<Vega>('vega');
  const throughput = results.growth.partitions.flatMap((point) => [
    { partitions: point.partitions, consumer: 'kcat (limit)', eventsPerSecond: point.kcat.eventsPerSecond },
    {
      partitions: point.partitions,
      consumer: 'bare kafkajs',
      eventsPerSecond: point.kafkajs.eventsPerSecond,
    },
    { partitions: point.partitions, consumer: 'exporter', eventsPerSecond: point.exporter.eventsPerSecond },
  ]);
  const memory = results.growth.partitions.flatMap((point) => [
    { partitions: point.partitions, process: 'exporter', peakRssMb: point.exporter.peakRssMb },
    { partitions: point.partitions, process: 'bare kafkajs', peakRssMb: point.kafkajs.peakRssMb },
  ]);
  const x = {
    field: 'partitions',
    type: 'quantitative',
    title: 'partitions',
    scale: { type: 'log', base: 2 },
    axis: { values: results.growth.partitions.map((p) => p.partitions) },
  } as const;
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Throughput and memory against partitions',
      subtitle: `${results.machine.cpuModel}, ${results.machine.cores} cores, node ${results.machine.node}, ${results.date.slice(0, 10)} (profile ${results.profile})`,
    },
    config: { font: 'sans-serif', view: { stroke: null } },
    hconcat: [
      {
        width: 320,
        height: 220,
        title: 'events/s until consumed (exporter: stored and committed)',
        data: { values: throughput },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'eventsPerSecond', type: 'quantitative', title: 'events/s' },
          color: { field: 'consumer', type: 'nominal', title: null },
        },
      },
      {
        width: 320,
        height: 220,
        title: 'peak RSS (VmHWM / maxRSS), MiB',
        data: { values: memory },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y: { field: 'peakRssMb', type: 'quantitative', title: 'MiB' },
          color: { field: 'process', type: 'nominal', title: null },
        },
      },
    ],
  };
  const compiled = vl.compile(spec as Parameters<VegaLite['compile']>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
