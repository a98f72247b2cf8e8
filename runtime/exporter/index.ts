/**
 * The exporter's data path, as the CLI's `run` command uses it:
 *
 * ```ts
 * const exporter = await startExporter(config, { logger, registry });
 * await exporter.ready; // validation object written, group joined
 * process.once('SIGTERM', () => void exporter.stop());
 * await exporter.stopped; // rejects with the fatal error, if any
 * ```
 */
export { startExporter } from './exporter';
export type { Clock, ExporterDeps, RunningExporter } from './types';
