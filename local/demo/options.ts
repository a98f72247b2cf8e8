/** The demo's command line: every option with a default that keeps the whole run to about a minute. */
import { Command, InvalidArgumentError } from 'commander';

export interface DemoOptions {
  /** Events produced per second. */
  readonly eventsPerSecond: number;
  /** Seconds of producing. */
  readonly durationSeconds: number;
  /** Exporter tasks (consumers in one group); they split the partitions. */
  readonly consumers: number;
  /** The exporter's batch interval in seconds. */
  readonly intervalSeconds: number;
  /** Partitions of the demo topic (the seed's example has 5). */
  readonly partitions: number;
  /** Leave the deployment and local services running after the export, until Enter or Ctrl-C. */
  readonly keep: boolean;
  /** Delete the bucket (and every exported object) on teardown; by default it is kept. */
  readonly removeBucket: boolean;
  /** Apply without asking (also when standard input is not a terminal). */
  readonly yes: boolean;
}

export const DEFAULT_DEMO_OPTIONS: DemoOptions = {
  eventsPerSecond: 100,
  durationSeconds: 20,
  consumers: 2,
  intervalSeconds: 10,
  partitions: 5,
  keep: false,
  removeBucket: false,
  yes: false,
};

function wholeNumber(min: number, max: number) {
  return (text: string): number => {
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new InvalidArgumentError(`"${text}" is not a whole number from ${min} to ${max}.`);
    }
    return Number(text);
  };
}

/**
 * Parses `argv` (without `node` and the script). A bad option throws commander's error (its message names
 * the option, the value and the rule), after writing it and the usage to `writeErr`.
 */
export function parseDemoOptions(
  argv: readonly string[],
  writeErr: (text: string) => void = (text) => process.stderr.write(text),
): DemoOptions {
  const d = DEFAULT_DEMO_OPTIONS;
  const program = new Command('npm run demo --')
    .description(
      'Deploys examples/s3-export onto local Kafka and a local AWS (moto, IAM enforced), exports clickstream ' +
        'events to the bucket, shows the files and tears everything down in dependency order.',
    )
    .option(
      '-r, --events-per-second <n>',
      'events produced per second',
      wholeNumber(1, 20_000),
      d.eventsPerSecond,
    )
    .option('-d, --duration <seconds>', 'seconds of producing', wholeNumber(1, 3600), d.durationSeconds)
    .option('-c, --consumers <n>', 'exporter tasks in the consumer group', wholeNumber(1, 16), d.consumers)
    .option(
      '-i, --interval <seconds>',
      "the exporter's batch interval",
      wholeNumber(1, 3600),
      d.intervalSeconds,
    )
    .option('-p, --partitions <n>', 'partitions of the demo topic', wholeNumber(1, 64), d.partitions)
    .option('--keep', 'keep the deployment and the local services running until Enter or Ctrl-C', false)
    .option(
      '--remove-bucket',
      'delete the bucket and the exported objects on teardown (kept by default)',
      false,
    )
    .option('-y, --yes', 'apply without asking (the default when standard input is not a terminal)', false)
    .showHelpAfterError()
    .configureOutput({ writeErr })
    .exitOverride()
    .parse(argv, { from: 'user' });
  const o = program.opts<{
    eventsPerSecond: number;
    duration: number;
    consumers: number;
    interval: number;
    partitions: number;
    keep: boolean;
    removeBucket: boolean;
    yes: boolean;
  }>();
  return {
    eventsPerSecond: o.eventsPerSecond,
    durationSeconds: o.duration,
    consumers: o.consumers,
    intervalSeconds: o.interval,
    partitions: o.partitions,
    keep: o.keep,
    removeBucket: o.removeBucket,
    yes: o.yes,
  };
}
