import type { ExporterConfig } from '../config/types';
import type { ExporterDeps, RunningExporter } from './types';

/**
 * Starts exporting `config.stream.topic` to `config.sink`; see {@link RunningExporter} for its lifecycle.
 * Resolves as soon as start-up has begun: start-up failures reject `ready` and `stopped`.
 */
export async function startExporter(config: ExporterConfig, deps: ExporterDeps): Promise<RunningExporter> {
  deps.logger.debug({ exporter: config.exporterName }, 'startExporter called');
  throw new Error('startExporter: the data path is being built (issue 3); this signature is final');
}
