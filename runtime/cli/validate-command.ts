/**
 * `batch-exporter validate`: writes the seed's empty validation object `<prefix>/.strm_test_<uuid>.jsonl`
 * with the sink's credentials, the same check the service does at start-up, for users who already have a
 * bucket and an `s3.json` or a GCS service account key (the file decides which). Uses only
 * s3:GetBucketLocation (unless --region) and s3:PutObject, or GCS objects.insert.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ENVIRONMENT } from '../config/environment';
import { describeSinkCredentials, sinkUrl } from '../config/describe';
import { ConfigOverride, Environment, SinkTarget, loadSinkTarget } from '../config/load';
import { formatProblems } from '../config/problems';
import { createLogger } from '../observability/logger';
import { CliIo, EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './io';
import { createScrubber, secretsOf } from './scrub';

export interface ValidateOptions {
  readonly bucket?: string;
  readonly prefix?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentialsFile?: string;
  readonly config?: string;
  /** Keep retrying an access denial this long: a new IAM access key takes a few seconds to work everywhere. */
  readonly retrySeconds: number;
}

const RETRY_PAUSE_MS = 2_000;

function target(config: SinkTarget): string {
  return `bucket '${config.sink.bucket}', ${config.pathPrefix ? `prefix '${config.pathPrefix}'` : 'no prefix (bucket root)'}`;
}

export async function runValidate(
  options: ValidateOptions,
  io: CliIo,
  env: Environment = process.env,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<number> {
  const overrides: ConfigOverride[] = [
    { field: 'sink.bucket', value: options.bucket, source: '--bucket' },
    { field: 'pathPrefix', value: options.prefix, source: '--prefix' },
    { field: 'sink.region', value: options.region, source: '--region' },
    { field: 'sink.endpoint', value: options.endpoint, source: '--endpoint' },
    { field: 'sink.credentialsFile', value: options.credentialsFile, source: '--credentials-file' },
  ];
  // --credentials-file replaces credentials from the environment rather than conflicting with them.
  const effectiveEnv =
    options.credentialsFile === undefined ? env : { ...env, [ENVIRONMENT.sinkCredentials]: undefined };
  const loaded = loadSinkTarget(effectiveEnv, { configFile: options.config, overrides });
  if (loaded.errors) {
    io.stderr(
      `${formatProblems(loaded.errors, 'batch-exporter validate: the sink')}\nNothing was written.\n`,
    );
    return EXIT_USAGE;
  }
  const { config } = loaded;
  const scrub = createScrubber(secretsOf(config));
  // The verdict below says everything a user needs; the store's JSON log lines (S3 retries, refusals) go to
  // stderr only when BATCH_EXPORTER_LOG_LEVEL asks for them.
  const logger = createLogger({
    level: env[ENVIRONMENT.logLevel] ? config.logLevel : 'fatal',
    destination: { write: (line: string) => io.stderr(scrub(line)) },
  });
  const who = describeSinkCredentials(config.sink.credentials);
  const { S3ObjectStore, StorePermanentError, createObjectStore, writeValidationObject } =
    await import('../storage');
  const deadline = Date.now() + options.retrySeconds * 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      const store = await createObjectStore({
        sink: config.sink,
        pathPrefix: config.pathPrefix,
        logger,
        requestTimeoutMs: config.sink.requestTimeoutMs,
      });
      const key = await writeValidationObject(store, config.pathPrefix);
      io.stdout(
        `OK: wrote the empty validation object ${sinkUrl(config.sink, key)} with ${who}` +
          `${store instanceof S3ObjectStore ? ` (region ${store.region})` : ''}. The exporter can write to ` +
          `${target(config)}.\n`,
      );
      return EXIT_OK;
    } catch (error) {
      const denied = error instanceof StorePermanentError && error.kind === 'access-denied';
      if (denied && Date.now() + RETRY_PAUSE_MS <= deadline) {
        io.stderr(
          `attempt ${attempt} denied; a new access key can take a few seconds to work, retrying ` +
            `(--retry-seconds ${options.retrySeconds})\n`,
        );
        await sleep(RETRY_PAUSE_MS);
        continue;
      }
      const message = scrub(error instanceof Error ? error.message : String(error));
      io.stderr(
        `FAILED: could not write the validation object to ${target(config)} with ${who}` +
          `${attempt > 1 ? ` after ${attempt} attempts` : ''}.\n${message}\n`,
      );
      return EXIT_FAILURE;
    }
  }
}

function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new InvalidArgumentError('must be a whole number of seconds, 0 or more.');
  return parsed;
}

export function validateCommand(io: CliIo, setExitCode: (code: number) => Promise<void> | void): Command {
  return new Command('validate')
    .description(
      'Write the empty validation object <prefix>/.strm_test_<uuid>.jsonl with the sink credentials, to check ' +
        'that the bucket exists and the credentials may write there. Options override the BATCH_EXPORTER_SINK_* ' +
        'variables and the config file.',
    )
    .option('--bucket <name>', `the S3 or GCS bucket (default: $${ENVIRONMENT.sinkBucket})`)
    .option('--prefix <path>', `the path prefix (default: $${ENVIRONMENT.pathPrefix}, else the bucket root)`)
    .option('--region <region>', "the S3 bucket's region (default: asked with GetBucketLocation)")
    .option('--endpoint <url>', 'an S3-compatible or GCS JSON API endpoint (default: AWS S3, or GCS)')
    .option(
      '--credentials-file <file>',
      `the JSON printed by \`aws iam create-access-key\` (S3) or a service account key file (GCS) ` +
        `(default: $${ENVIRONMENT.sinkCredentials}, ` +
        `$${ENVIRONMENT.sinkCredentialsFile}, else the AWS credential chain)`,
    )
    .option('--config <file>', `a JSON config file (default: $${ENVIRONMENT.configFile})`)
    .option(
      '--retry-seconds <seconds>',
      'keep retrying access denials this long (fresh IAM keys take a while)',
      seconds,
      0,
    )
    .addHelpText(
      'after',
      '\nExample:\n  aws iam create-access-key --user-name strm-export-demo > s3.json\n' +
        '  batch-exporter validate --bucket strmprivacy-export-demo --prefix events --credentials-file s3.json --retry-seconds 30\n' +
        '  batch-exporter validate --bucket strm-export-demo --prefix events --credentials-file key.json\n' +
        '\nExit codes: 0 written, 1 the storage refused (the message names the missing permission), 2 bad input.\n' +
        'Set BATCH_EXPORTER_LOG_LEVEL=warn to also see storage retries as JSON lines on stderr.\n',
    )
    .action(async (options: ValidateOptions) => setExitCode(await runValidate(options, io)));
}
