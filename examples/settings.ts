/**
 * Settings of the example apps, from environment variables, so the same apps synthesize for AWS and for a
 * local applier pointed at local Kafka and a local AWS endpoint. Every bad value is reported at once.
 * The output directory is cdktf's own CDKTF_OUTDIR (default `cdktf.out`).
 */
import * as fs from 'fs';

import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack } from 'cdktf';

import { BatchExporter } from '../constructs/exporter/batch-exporter';
import { ExporterImage } from '../constructs/exporter/exporter-image';
import { ISink } from '../constructs/sink/s3-sink';

/** The environment variables the examples read, with what each sets. */
export const EXAMPLE_ENVIRONMENT = {
  EXAMPLE_STACK_NAME: 'the stack name (default: the example name)',
  EXAMPLE_AWS_REGION: 'the AWS region (default eu-west-1)',
  EXAMPLE_AWS_ENDPOINT:
    'an AWS-compatible endpoint for every service, e.g. a local moto_server (default: AWS)',
  EXAMPLE_KAFKA_BROKERS: 'comma separated bootstrap brokers (default b-1.kafka.internal:9092)',
  EXAMPLE_STREAM_NAME: 'the stream name (default demo)',
  EXAMPLE_TOPIC: 'the Kafka topic (default: the stream name)',
  EXAMPLE_BUCKET:
    'the bucket name (s3-export default: generated; existing-bucket default strmprivacy-export-demo)',
  EXAMPLE_PREFIX: 'the sink prefix (default events)',
  EXAMPLE_SINK_NAME: 'the sink name (default s3)',
  EXAMPLE_INTERVAL_SECONDS: 'the batch interval (default 60)',
  EXAMPLE_CONSUMERS: 'the number of exporter tasks (default 1)',
  EXAMPLE_IMAGE:
    'the runtime image URI (default: built from runtime/Dockerfile and pushed to a new ECR repository)',
  EXAMPLE_SUBNET_IDS: 'comma separated subnet ids (default subnet-0123456789abcdef0)',
  EXAMPLE_SECURITY_GROUP_IDS: 'comma separated security group ids (default sg-0123456789abcdef0)',
  EXAMPLE_VALIDATE_ON_DEPLOY: 'true or false: validate the sink at deploy time (default true)',
  EXAMPLE_VALIDATION_COMMAND: 'the validation command (default npx --no-install batch-exporter validate)',
  EXAMPLE_CREDENTIALS_FILE: 'existing-bucket only: the s3.json (default: the sample next to the example)',
  EXAMPLE_GCP_PROJECT: 'gcs-export only: the Google Cloud project (default strm-export-demo)',
  EXAMPLE_GCS_LOCATION: 'gcs-export only: the GCS bucket location (default EU)',
} as const;

export type ExampleEnvironment = Readonly<Record<string, string | undefined>>;

/** Parsed settings shared by both examples. */
export interface ExampleSettings {
  readonly stackName?: string;
  readonly region: string;
  readonly endpoint?: string;
  readonly brokers: string[];
  readonly streamName: string;
  readonly topic?: string;
  readonly bucketName?: string;
  readonly prefix: string;
  readonly sinkName: string;
  readonly intervalSeconds: number;
  readonly consumers: number;
  readonly imageUri?: string;
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly validateOnDeploy: boolean;
  readonly validationCommand?: string;
  readonly credentialsFile?: string;
  readonly gcpProject: string;
  readonly gcsLocation: string;
}

/** Reads the settings; throws one error listing every bad variable with its value and the fix. */
export function exampleSettings(env: ExampleEnvironment): ExampleSettings {
  const problems: string[] = [];
  const list = (name: string, fallback: string): string[] =>
    (env[name] ?? fallback)
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  const integer = (name: string, fallback: number): number => {
    const text = env[name];
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text)) {
      problems.push(
        `${name}=${JSON.stringify(text)} is not a whole number. Fix: set it like ${name}=${fallback}.`,
      );
      return fallback;
    }
    return Number(text);
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const text = env[name];
    if (text === undefined) return fallback;
    if (text !== 'true' && text !== 'false') {
      problems.push(
        `${name}=${JSON.stringify(text)} is not true or false. Fix: set ${name}=true or ${name}=false.`,
      );
      return fallback;
    }
    return text === 'true';
  };
  const settings: ExampleSettings = {
    stackName: env.EXAMPLE_STACK_NAME,
    region: env.EXAMPLE_AWS_REGION ?? 'eu-west-1',
    endpoint: env.EXAMPLE_AWS_ENDPOINT,
    brokers: list('EXAMPLE_KAFKA_BROKERS', 'b-1.kafka.internal:9092'),
    streamName: env.EXAMPLE_STREAM_NAME ?? 'demo',
    topic: env.EXAMPLE_TOPIC,
    bucketName: env.EXAMPLE_BUCKET,
    prefix: env.EXAMPLE_PREFIX ?? 'events',
    sinkName: env.EXAMPLE_SINK_NAME ?? 's3',
    intervalSeconds: integer('EXAMPLE_INTERVAL_SECONDS', 60),
    consumers: integer('EXAMPLE_CONSUMERS', 1),
    imageUri: env.EXAMPLE_IMAGE,
    subnetIds: list('EXAMPLE_SUBNET_IDS', 'subnet-0123456789abcdef0'),
    securityGroupIds: list('EXAMPLE_SECURITY_GROUP_IDS', 'sg-0123456789abcdef0'),
    validateOnDeploy: flag('EXAMPLE_VALIDATE_ON_DEPLOY', true),
    validationCommand: env.EXAMPLE_VALIDATION_COMMAND,
    credentialsFile: env.EXAMPLE_CREDENTIALS_FILE,
    gcpProject: env.EXAMPLE_GCP_PROJECT ?? 'strm-export-demo',
    gcsLocation: env.EXAMPLE_GCS_LOCATION ?? 'EU',
  };
  for (const name of Object.keys(env)) {
    if (name.startsWith('EXAMPLE_') && !(name in EXAMPLE_ENVIRONMENT)) {
      problems.push(
        `${name} is not a setting of the examples, so it would be ignored. Fix: use one of ${Object.keys(EXAMPLE_ENVIRONMENT).join(', ')}.`,
      );
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `The example settings have ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
  return settings;
}

/** The AWS provider; with an endpoint every service the stack uses goes there (path-style S3). */
export function addAwsProvider(stack: TerraformStack, settings: ExampleSettings): AwsProvider {
  const endpoint = settings.endpoint;
  return new AwsProvider(stack, 'aws', {
    region: settings.region,
    ...(endpoint !== undefined && {
      s3UsePathStyle: true,
      skipCredentialsValidation: true,
      skipRequestingAccountId: true,
      skipMetadataApiCheck: 'true',
      endpoints: [
        {
          s3: endpoint,
          iam: endpoint,
          sts: endpoint,
          secretsmanager: endpoint,
          ecs: endpoint,
          ecr: endpoint,
          cloudwatchlogs: endpoint,
        },
      ],
    }),
  });
}

/** The image from EXAMPLE_IMAGE, or the one built from this package's runtime/Dockerfile. */
export function exampleImage(settings: ExampleSettings): ExporterImage {
  return settings.imageUri === undefined
    ? ExporterImage.fromRuntimeSources()
    : ExporterImage.fromRegistry(settings.imageUri);
}

/** The batch exporter of the examples, on the given sink (id `Exporter`). */
export function exampleExporter(
  stack: TerraformStack,
  settings: ExampleSettings,
  sink: ISink,
): BatchExporter {
  return new BatchExporter(stack, 'Exporter', {
    stream: { name: settings.streamName, topic: settings.topic, brokers: settings.brokers },
    sink,
    image: exampleImage(settings),
    network: { subnetIds: settings.subnetIds, securityGroupIds: settings.securityGroupIds },
    interval: settings.intervalSeconds,
    consumers: settings.consumers,
  });
}

/** The deploy-time validation settings of the sink. */
export function exampleValidation(settings: ExampleSettings): {
  validateOnDeploy: boolean;
  validation?: { command: string };
} {
  return {
    validateOnDeploy: settings.validateOnDeploy,
    ...(settings.validationCommand !== undefined && { validation: { command: settings.validationCommand } }),
  };
}

/** The first of `candidates` that exists (examples run from their source folder or from dist/). */
export function firstExisting(candidates: readonly string[]): string {
  return candidates.find((candidate) => fs.existsSync(candidate)) ?? candidates[0];
}
