/**
 * `batch-exporter run`: the service the image runs. Loads the configuration (exit 2 with every problem),
 * serves /healthz and /metrics, starts the exporter and stops it cleanly on SIGTERM/SIGINT (exit 0), or
 * exits 1 with a clear message when it fails.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { describeConfig } from '../config/describe';
import { ENVIRONMENT } from '../config/environment';
import { Environment, loadConfig } from '../config/load';
import { formatProblems } from '../config/problems';
import type { RunningExporter, startExporter } from '../exporter';
import { HealthState, RunningHttpServer, startHttpServer } from '../observability/http-server';
import { createLogger } from '../observability/logger';
import { SHUTDOWN_TIMEOUT_SECONDS } from '../image';
import { environmentHelp } from './environment-help';
import { CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './io';
import { createScrubber, secretsOf } from './scrub';

export interface RunOptions {
  /** A JSON config file (else BATCH_EXPORTER_CONFIG_FILE). */
  readonly config?: string;
  /** How long a stop may take before the process gives up on a clean shutdown. */
  readonly shutdownTimeoutSeconds: number;
}

/** Subscribes to the shutdown signals; returns the unsubscribe. Injectable for in-process tests. */
export type SignalSource = (handler: (signal: string) => void) => () => void;

export const PROCESS_SIGNALS: SignalSource = (handler) => {
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
};

export const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = SHUTDOWN_TIMEOUT_SECONDS;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The process around the service; every field defaults to the real one. */
export interface RunContext {
  readonly env?: Environment;
  readonly signals?: SignalSource;
  readonly startExporter?: typeof startExporter;
  /** Told the HTTP port once listening (tests that use httpPort from a free port). */
  readonly onListening?: (port: number) => void;
}

export async function runService(options: RunOptions, io: CliIo, context: RunContext = {}): Promise<number> {
  const env = context.env ?? process.env;
  const signals = context.signals ?? PROCESS_SIGNALS;
  const loaded = loadConfig(env, { configFile: options.config });
  if (loaded.errors) {
    io.stderr(
      `${formatProblems(loaded.errors, 'batch-exporter run: the configuration')}\n` +
        'Nothing was started. See `batch-exporter run --help` for every variable.\n',
    );
    return EXIT_USAGE;
  }
  const { config } = loaded;
  const scrub = createScrubber(secretsOf(config));
  const logger: Logger = createLogger({
    level: config.logLevel,
    base: { exporter: config.exporterName },
    destination: { write: (line: string) => io.stdout(scrub(line)) },
  });
  const fail = (what: string, error: unknown): number => {
    const message = scrub(messageOf(error));
    logger.fatal({ error: message }, what);
    io.stderr(`batch-exporter run: ${what}: ${message}\n`);
    return EXIT_FAILURE;
  };

  let health: HealthState = 'starting';
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let http: RunningHttpServer | undefined;
  if (config.httpPort !== 0) {
    try {
      http = await startHttpServer({ port: config.httpPort, registry, health: () => health, logger });
      logger.info({ port: http.port }, 'serving /healthz and /metrics');
      context.onListening?.(http.port);
    } catch (error) {
      return fail(
        `cannot serve /healthz and /metrics on port ${config.httpPort} (set ${ENVIRONMENT.httpPort} to a free port, or 0 to disable)`,
        error,
      );
    }
  }

  let exporter: RunningExporter | undefined;
  let stopRequested = false;
  let giveUp: (error: Error) => void = () => undefined;
  const shutdownDeadline = new Promise<never>((_, reject) => {
    giveUp = reject;
  });
  shutdownDeadline.catch(() => undefined);
  const requestStop = (signal: string) => {
    if (stopRequested) {
      logger.warn({ signal }, 'already stopping');
      return;
    }
    stopRequested = true;
    health = 'stopping';
    logger.info(
      { signal, timeoutSeconds: options.shutdownTimeoutSeconds },
      'stopping: flushing and committing',
    );
    setTimeout(
      () => giveUp(new Error(`the exporter did not stop within ${options.shutdownTimeoutSeconds} s`)),
      options.shutdownTimeoutSeconds * 1000,
    ).unref();
    exporter
      ?.stop()
      .catch((error: unknown) => logger.error({ error: scrub(messageOf(error)) }, 'stop failed'));
  };
  const unsubscribe = signals(requestStop);

  try {
    // The Node version it runs on, so a log shows whether the process runs the image's line (NODE_LINE).
    logger.info({ node: process.version, config: describeConfig(config) }, 'starting batch exporter');
    try {
      // Loaded only once the configuration is valid: a bad configuration is reported without loading kafkajs and S3.
      const start = context.startExporter ?? (await import('../exporter')).startExporter;
      exporter = await start(config, { logger, registry });
    } catch (error) {
      health = 'failed';
      return fail('the exporter could not start', error);
    }
    if (stopRequested) exporter.stop().catch(() => undefined);
    exporter.ready.then(
      () => {
        if (health === 'starting') health = 'ready';
        logger.info('ready: validation object written, consumer group joined');
      },
      () => undefined,
    );
    try {
      await Promise.race([exporter.stopped, shutdownDeadline]);
    } catch (error) {
      health = 'failed';
      return fail(stopRequested ? 'the exporter did not stop cleanly' : 'the exporter stopped', error);
    }
    if (!stopRequested) {
      logger.warn('the exporter stopped without being asked to');
      return EXIT_FAILURE;
    }
    logger.info('stopped cleanly');
    return EXIT_OK;
  } finally {
    unsubscribe();
    await http?.close();
  }
}

export function runCommand(io: CliIo, setExitCode: (code: number) => Promise<void> | void): Command {
  return new Command('run')
    .description(
      'Run the batch exporter service: consume the topic in a consumer group and write one JSONL object per ' +
        'consumer and interval to S3 (the image entrypoint). Configured by environment variables and/or a JSON file.',
    )
    .option('--config <file>', `a JSON config file (default: $${ENVIRONMENT.configFile})`)
    .addOption(
      new Option(
        '--shutdown-timeout-seconds <seconds>',
        'how long SIGTERM/SIGINT may take to flush and commit',
      )
        .argParser((value) => {
          const seconds = Number(value);
          if (!Number.isInteger(seconds) || seconds < 1)
            throw new InvalidArgumentError('must be a whole number of seconds, at least 1.');
          return seconds;
        })
        .default(DEFAULT_SHUTDOWN_TIMEOUT_SECONDS),
    )
    .addHelpText(
      'after',
      `${environmentHelp()}\nExit codes: 0 stopped cleanly, 1 failed (message on stderr), 2 bad configuration.\n`,
    )
    .action(async (options: RunOptions) => setExitCode(await runService(options, io)));
}
