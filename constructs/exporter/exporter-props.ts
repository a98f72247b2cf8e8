import {
  CONFIG_SCHEMA,
  DATA_LOSS_POLICIES,
  LOG_LEVELS,
  MAX_MAX_OBJECT_BYTES,
  MIN_MAX_OBJECT_BYTES,
  SASL_MECHANISMS,
} from '../../runtime/config/schema';
import { PATH_PREFIX_RULE, pathPrefixProblems } from '../../runtime/config/rules';
import { MAX_S3_KEY_BYTES, keyLengthExcess } from '../../runtime/exporter/object-namer';
import { DataLossPolicy, LogLevel, SaslMechanism } from '../../runtime/config/types';
import { isKnown, PropProblems } from '../core/problems';
import { ISink } from '../sink/s3-sink';
import { ExporterImage } from './exporter-image';

/**
 * How the exporter authenticates to Kafka. With an authorizer on the broker, the principal needs exactly
 * these ACLs (READ implies DESCRIBE; the README's "Kafka ACLs" holds the same list):
 * - topic READ on `<topic>` (fetch records and commit their offsets; implies DESCRIBE for metadata and watermarks): `kafka-acls.sh --bootstrap-server <broker> --add --allow-principal User:<user> --operation READ --topic <topic>`
 * - group READ on `<group>` (join the group, commit offsets with metadata and read them back): `kafka-acls.sh --bootstrap-server <broker> --add --allow-principal User:<user> --operation READ --group <group>`
 * - group READ on the prefix `<group>.recovery.` (re-read recorded ranges after a crash in throw-away groups `<group>.recovery.<uuid>`): `kafka-acls.sh --bootstrap-server <broker> --add --allow-principal User:<user> --operation READ --group <group>.recovery. --resource-pattern-type prefixed`
 */
export interface StreamAuth {
  /**
   * Connect with TLS.
   * @default false
   */
  readonly tls?: boolean;
  /**
   * SASL mechanism.
   * @default - no SASL
   */
  readonly saslMechanism?: SaslMechanism;
  /**
   * SASL user name (plain and scram-*).
   * @default - none
   */
  readonly username?: string;
  /**
   * ARN of a Secrets Manager secret whose whole value is the SASL password (plain and scram-*); injected
   * through ECS `secrets`, never as plain environment.
   * @default - none
   */
  readonly passwordSecretArn?: string;
  /**
   * The customer managed KMS key of the password secret, if any; the execution role gets kms:Decrypt on it.
   * @default - the AWS managed key
   */
  readonly passwordSecretKmsKeyArn?: string;
}

/** The stream to export, e.g. the `demo` stream. */
export interface StreamProps {
  /** The stream's name, written into every object name, e.g. "demo". */
  readonly name: string;
  /**
   * The Kafka topic holding the stream's events.
   * @default - the stream's name
   */
  readonly topic?: string;
  /** Bootstrap brokers as "host:port". */
  readonly brokers: readonly string[];
  /**
   * Authentication to the brokers.
   * @default - plaintext, no SASL
   */
  readonly auth?: StreamAuth;
}

/** Network placement of the exporter's Fargate tasks. */
export interface ExporterNetworkProps {
  /** Subnets the tasks run in; they need a route to the brokers and to S3 (and to ECR and Secrets Manager). */
  readonly subnetIds: readonly string[];
  /** Security groups of the tasks; they need egress to the brokers and to HTTPS endpoints. */
  readonly securityGroupIds: readonly string[];
  /**
   * Give tasks a public IP (only for public subnets without a NAT gateway).
   * @default false
   */
  readonly assignPublicIp?: boolean;
}

/** Props of a batch exporter. */
export interface BatchExporterProps {
  /** The stream to read. */
  readonly stream: StreamProps;
  /** The sink to write to (`new S3Sink(...)`); the exporter is destroyed before it. */
  readonly sink: ISink;
  /** The runtime image: `ExporterImage.fromRegistry(uri)` or `ExporterImage.fromRuntimeSources()`. */
  readonly image: ExporterImage;
  /** Where the tasks run. */
  readonly network: ExporterNetworkProps;
  /**
   * The exporter's name; unique per stream.
   * @default - `<sink name>-<stream name>` (e.g. "s3-demo" for the sink "s3" and the stream "demo")
   */
  readonly name?: string;
  /**
   * Seconds per batch: each consumer writes one object per interval. At most 3600. Below 30 the synth warns:
   * many small objects (the demo uses short intervals on purpose).
   * @default 60
   */
  readonly interval?: number;
  /**
   * Prefix of the objects in the bucket; must lie within the sink's prefix.
   * @default - the sink's prefix (the bucket root when the sink has none)
   */
  readonly pathPrefix?: string;
  /**
   * Start a new consumer group at the earliest offset (export what the topic already holds) instead of the
   * latest.
   * @default false
   */
  readonly includeExistingEvents?: boolean;
  /**
   * Number of tasks, each one consumer of the group; they split the topic's partitions.
   * @default 1
   */
  readonly consumers?: number;
  /**
   * ARN of the ECS cluster to run in.
   * @default - a new ECS cluster for this exporter
   */
  readonly clusterArn?: string;
  /**
   * Task CPU units (Fargate sizes).
   * @default 256
   */
  readonly cpu?: number;
  /**
   * Task memory in MiB (Fargate sizes); must hold one batch per task.
   * @default 512
   */
  readonly memoryMiB?: number;
  /**
   * Upper bound of one object's size in bytes (and of the memory a batch holds).
   * @default - the runtime's default, 64 MiB
   */
  readonly maxObjectBytes?: number;
  /**
   * Days to keep the exporter's logs (a CloudWatch Logs retention value).
   * @default 365 (one year, checkov CKV_AWS_338)
   */
  readonly logRetentionDays?: number;
  /**
   * The runtime's log level.
   * @default - the runtime's default, "info"
   */
  readonly logLevel?: LogLevel;
  /**
   * What the exporter does when records it has not stored yet were removed by the topic's retention (it
   * was down or stuck longer than the retention). `fail` stops every task with the lost offset ranges in
   * the log, and restarts stop again until someone decides; `skip` logs the ranges, counts them in the
   * `batch_exporter_records_lost_total` metric and exports everything still stored.
   * @default "fail"
   */
  readonly onDataLoss?: DataLossPolicy;
  /**
   * Tags for every taggable resource of the exporter (never anything secret).
   * @default - no tags
   */
  readonly tags?: Record<string, string>;
}

/** The recommended minimum interval; shorter ones work but make many small objects. */
export const RECOMMENDED_MIN_INTERVAL_SECONDS = 30;
/** The longest interval the construct accepts (one object per consumer per hour). */
export const MAX_EXPORTER_INTERVAL_SECONDS = 3600;
/** Retention values CloudWatch Logs accepts. */
export const LOG_RETENTION_VALUES = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];
/** Fargate CPU units and the memory (MiB) each allows. */
const FARGATE_SIZES: Record<number, readonly number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
};
const MAX_CONSUMERS = 100;

const schema = CONFIG_SCHEMA.properties;
const NAME = new RegExp(schema.exporterName.pattern);
const TOPIC = new RegExp(schema.stream.properties.topic.pattern);
const BROKER = new RegExp(schema.kafka.properties.brokers.items.pattern);
const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$/;

/** The name and path prefix an exporter ends up with. */
export interface ResolvedExporterNames {
  readonly name: string;
  readonly pathPrefix?: string;
  /** Every problem found so far; the caller adds its own checks and throws them all at once. */
  readonly problems: PropProblems;
}

/**
 * Every problem with a BatchExporter's props, collected for one error (values that are Terraform references
 * are skipped; the runtime validates them again when the task starts).
 */
export function validateExporterProps(path: string, props: BatchExporterProps): ResolvedExporterNames {
  const problems = new PropProblems('BatchExporter', path);
  const stream = props.stream ?? ({} as StreamProps);
  const sink = props.sink;

  if (props.stream === undefined) {
    problems.add('stream', undefined, 'is required', 'pass { name, brokers } of the stream to export');
  }
  if (sink === undefined || sink === null) {
    problems.add('sink', sink, 'is required', 'pass the S3Sink to write to');
  }
  if (props.image === undefined) {
    problems.add(
      'image',
      undefined,
      'is required',
      'pass ExporterImage.fromRegistry("<image uri>") or ExporterImage.fromRuntimeSources()',
    );
  } else {
    for (const { problem, fix } of props.image.problems()) {
      problems.add('image', props.image.describe(), problem, fix);
    }
  }

  if (isKnown(stream.name) && !NAME.test(String(stream.name))) {
    problems.add(
      'stream.name',
      stream.name,
      'is not a valid stream name',
      `use ${schema.stream.properties.name.description}`,
    );
  } else if (props.stream !== undefined && stream.name === undefined) {
    problems.add('stream.name', undefined, 'is required', 'give the stream name, e.g. "demo"');
  }
  if (isKnown(stream.topic) && !TOPIC.test(String(stream.topic))) {
    problems.add(
      'stream.topic',
      stream.topic,
      'is not a valid Kafka topic name',
      `use ${schema.stream.properties.topic.description}`,
    );
  }
  if (props.stream !== undefined) {
    if (!Array.isArray(stream.brokers) || stream.brokers.length === 0) {
      if (isKnown(stream.brokers) || stream.brokers === undefined) {
        problems.add(
          'stream.brokers',
          stream.brokers,
          'has no broker',
          'give at least one "host:port", e.g. ["b-1.kafka.internal:9092"]',
        );
      }
    } else {
      stream.brokers.forEach((broker, index) => {
        if (isKnown(broker) && !BROKER.test(String(broker))) {
          problems.add(
            `stream.brokers[${index}]`,
            broker,
            'is not "host:port"',
            'write it like "b-1.kafka.internal:9092"',
          );
        }
      });
    }
  }
  const auth = stream.auth ?? {};
  checkOneOf(
    problems,
    'stream.auth.saslMechanism',
    auth.saslMechanism,
    SASL_MECHANISMS,
    'a supported SASL mechanism',
  );
  const needsPassword = auth.saslMechanism === 'plain' || auth.saslMechanism?.startsWith('scram-');
  if (needsPassword && (auth.username === undefined || auth.passwordSecretArn === undefined)) {
    problems.add(
      'stream.auth',
      {
        saslMechanism: auth.saslMechanism,
        username: auth.username,
        passwordSecretArn: auth.passwordSecretArn,
      },
      `needs username and passwordSecretArn for SASL ${auth.saslMechanism}`,
      'give both, the password as the ARN of a Secrets Manager secret holding it',
    );
  }
  if (!needsPassword && (auth.username !== undefined || auth.passwordSecretArn !== undefined)) {
    problems.add(
      'stream.auth',
      { saslMechanism: auth.saslMechanism, username: auth.username },
      'has a username or password but no SASL mechanism that uses them',
      'set saslMechanism to plain, scram-sha-256 or scram-sha-512, or remove username and passwordSecretArn',
    );
  }
  for (const prop of ['passwordSecretArn', 'passwordSecretKmsKeyArn'] as const) {
    if (isKnown(auth[prop]) && !ARN.test(String(auth[prop]))) {
      problems.add(
        `stream.auth.${prop}`,
        auth[prop],
        'is not an ARN',
        'give the full ARN, e.g. "arn:aws:secretsmanager:eu-west-1:111122223333:secret:kafka-password-AbCdEf"',
      );
    }
  }

  const interval = props.interval;
  if (
    isKnown(interval) &&
    !(Number.isInteger(interval) && interval! >= 1 && interval! <= MAX_EXPORTER_INTERVAL_SECONDS)
  ) {
    problems.add(
      'interval',
      interval,
      `is not a whole number of seconds from 1 to ${MAX_EXPORTER_INTERVAL_SECONDS}`,
      'use e.g. 60 (the default)',
    );
  }
  const consumers = props.consumers;
  if (
    isKnown(consumers) &&
    !(Number.isInteger(consumers) && consumers! >= 1 && consumers! <= MAX_CONSUMERS)
  ) {
    problems.add(
      'consumers',
      consumers,
      `is not a whole number from 1 to ${MAX_CONSUMERS}`,
      'use at most one consumer per partition of the topic',
    );
  }
  const cpu = props.cpu;
  const memory = props.memoryMiB;
  if (isKnown(cpu) && FARGATE_SIZES[cpu!] === undefined) {
    problems.add(
      'cpu',
      cpu,
      'is not a Fargate CPU size',
      `use one of ${Object.keys(FARGATE_SIZES).join(', ')}`,
    );
  } else if (isKnown(memory) && !(FARGATE_SIZES[cpu ?? 256] ?? []).includes(memory!)) {
    problems.add(
      'memoryMiB',
      memory,
      `is not a Fargate memory size for ${cpu ?? 256} CPU units`,
      `use one of ${(FARGATE_SIZES[cpu ?? 256] ?? []).join(', ')}`,
    );
  }
  const maxBytes = props.maxObjectBytes;
  if (
    isKnown(maxBytes) &&
    !(Number.isInteger(maxBytes) && maxBytes! >= MIN_MAX_OBJECT_BYTES && maxBytes! <= MAX_MAX_OBJECT_BYTES)
  ) {
    problems.add(
      'maxObjectBytes',
      maxBytes,
      `is not a whole number from ${MIN_MAX_OBJECT_BYTES} to ${MAX_MAX_OBJECT_BYTES}`,
      'use e.g. 67108864 (64 MiB)',
    );
  }
  if (isKnown(props.logRetentionDays) && !LOG_RETENTION_VALUES.includes(props.logRetentionDays!)) {
    problems.add(
      'logRetentionDays',
      props.logRetentionDays,
      'is not a CloudWatch Logs retention value',
      `use one of ${LOG_RETENTION_VALUES.join(', ')}`,
    );
  }
  checkOneOf(problems, 'logLevel', props.logLevel, LOG_LEVELS, 'a log level');
  checkOneOf(problems, 'onDataLoss', props.onDataLoss, DATA_LOSS_POLICIES, 'a data-loss policy');
  const network = props.network;
  if (network === undefined) {
    problems.add(
      'network',
      undefined,
      'is required',
      'give { subnetIds, securityGroupIds } for the Fargate tasks',
    );
  } else {
    for (const prop of ['subnetIds', 'securityGroupIds'] as const) {
      const ids = network[prop];
      if (isKnown(ids) && (!Array.isArray(ids) || ids.length === 0)) {
        problems.add(
          `network.${prop}`,
          ids,
          'is empty',
          `give at least one ${prop === 'subnetIds' ? 'subnet' : 'security group'} id`,
        );
      }
    }
  }
  if (isKnown(props.clusterArn) && !ARN.test(String(props.clusterArn))) {
    problems.add(
      'clusterArn',
      props.clusterArn,
      'is not an ARN',
      'give the cluster ARN, or leave it unset to create a cluster',
    );
  }

  const pathPrefix = props.pathPrefix ?? sink?.prefix;
  if (props.pathPrefix !== undefined && isKnown(props.pathPrefix)) {
    const broken =
      typeof props.pathPrefix === 'string' ? pathPrefixProblems(props.pathPrefix) : ['is not a string'];
    if (broken.length > 0) {
      problems.add('pathPrefix', props.pathPrefix, broken.join(', '), `use ${PATH_PREFIX_RULE}`);
    } else if (sink && isKnown(sink.prefix) && !withinPrefix(props.pathPrefix, sink.prefix)) {
      problems.add(
        'pathPrefix',
        props.pathPrefix,
        `is outside the sink's prefix "${sink.prefix}", which its credentials may not write to`,
        `use "${sink.prefix}" or a path below it like "${sink.prefix}/${props.pathPrefix}"`,
      );
    }
  }

  if (
    typeof pathPrefix === 'string' &&
    isKnown(pathPrefix) &&
    pathPrefixProblems(pathPrefix).length === 0 &&
    typeof stream.name === 'string' &&
    isKnown(stream.name)
  ) {
    const excess = keyLengthExcess(stream.name, pathPrefix);
    if (excess > 0) {
      problems.add(
        props.pathPrefix === undefined ? "pathPrefix (default: the sink's prefix)" : 'pathPrefix',
        pathPrefix,
        `with stream.name "${stream.name}" makes object keys of up to ${MAX_S3_KEY_BYTES + excess} bytes, ` +
          `more than S3's ${MAX_S3_KEY_BYTES}`,
        `shorten the path prefix or the stream name by at least ${excess} characters together`,
      );
    }
  }

  const name = props.name ?? `${sink?.sinkName}-${stream.name}`;
  if (isKnown(name) && !NAME.test(name)) {
    problems.add(
      props.name === undefined ? 'name (default <sink name>-<stream name>)' : 'name',
      name,
      'is not a valid exporter name',
      `use ${schema.exporterName.description}`,
    );
  }
  return { name, pathPrefix, problems };
}

/** True when `prefix` is `sinkPrefix` or lies below it (no sink prefix: anything is within the bucket). */
export function withinPrefix(prefix: string, sinkPrefix: string | undefined): boolean {
  if (sinkPrefix === undefined) return true;
  return prefix === sinkPrefix || prefix.startsWith(`${sinkPrefix}/`);
}

/** A string prop that must be one of `allowed` (props typed as a union can still get anything from JS). */
function checkOneOf(
  problems: PropProblems,
  prop: string,
  value: string | undefined,
  allowed: readonly string[],
  what: string,
): void {
  if (value !== undefined && !allowed.includes(value)) {
    problems.add(prop, value, `is not ${what}`, `use one of ${allowed.join(', ')}`);
  }
}

function range(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let n = from; n <= to; n += step) out.push(n);
  return out;
}
