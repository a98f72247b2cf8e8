import { TerraformStack, Token } from 'cdktf';

import { ExportBucket } from '../../constructs/bucket/export-bucket';
import { BatchExporter } from '../../constructs/exporter/batch-exporter';
import { ExporterImage } from '../../constructs/exporter/exporter-image';
import { BatchExporterProps } from '../../constructs/exporter/exporter-props';
import { S3BatchExport } from '../../constructs/s3-batch-export';
import { S3Sink, S3SinkProps } from '../../constructs/sink/s3-sink';
import { SinkWriter, SinkWriterProps, WriterMode } from '../../constructs/writer/sink-writer';
import { synthStack } from '../support/synth';
import {
  accessKeyDocument,
  DEMO_IMAGE_URI,
  DEMO_NETWORK,
  DEMO_STREAM,
  removeTempFiles,
  writeTempFile,
} from './fixtures';

afterAll(removeTempFiles);

function bucketOf(stack: TerraformStack) {
  return ExportBucket.fromBucketName(stack, 'Bucket', 'strmprivacy-export-demo');
}

function writer(props: Partial<SinkWriterProps>) {
  return (stack: TerraformStack) => new SinkWriter(stack, 'Writer', { bucket: bucketOf(stack), ...props });
}

function sink(props: (stack: TerraformStack) => Partial<S3SinkProps>) {
  return (stack: TerraformStack) => new S3Sink(stack, 'Sink', { name: 's3', ...props(stack) } as S3SinkProps);
}

function exporter(props: Partial<BatchExporterProps>) {
  return (stack: TerraformStack) => {
    const w = new SinkWriter(stack, 'Writer', { bucket: bucketOf(stack), prefix: 'events' });
    const s = new S3Sink(stack, 'Sink', { name: 's3', writer: w, validateOnDeploy: false });
    new BatchExporter(stack, 'Exporter', {
      stream: DEMO_STREAM,
      sink: s,
      image: ExporterImage.fromRegistry(DEMO_IMAGE_URI),
      network: DEMO_NETWORK,
      ...props,
    });
  };
}

/** A sink prefix of 887 characters and a stream name of 100: keys of up to 1042 bytes. */
function exporterWithLongKeys(stack: TerraformStack) {
  const w = new SinkWriter(stack, 'Writer', { bucket: bucketOf(stack), prefix: `events/${'a'.repeat(880)}` });
  const s = new S3Sink(stack, 'Sink', { name: 's3', writer: w, validateOnDeploy: false });
  new BatchExporter(stack, 'Exporter', {
    stream: { ...DEMO_STREAM, name: 's'.repeat(100) },
    sink: s,
    image: ExporterImage.fromRegistry(DEMO_IMAGE_URI),
    network: DEMO_NETWORK,
  });
}

function errorOf(build: (stack: TerraformStack) => unknown): string {
  try {
    synthStack((stack) => {
      build(stack);
    });
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the synthesis to fail');
}

const CASES: Array<[string, (stack: TerraformStack) => unknown, string]> = [
  [
    'ExportBucket with a bucket name S3 rejects',
    (stack) => new ExportBucket(stack, 'Bucket', { bucketName: 'Bad_Bucket' }),
    'bucketName: "Bad_Bucket" contains characters other than lowercase letters',
  ],
  [
    'ExportBucket with a KMS alias instead of a key ARN',
    (stack) => new ExportBucket(stack, 'Bucket', { encryptionKeyArn: 'alias/mine' }),
    'encryptionKeyArn: "alias/mine" is not a KMS key ARN (an alias ARN cannot scope an IAM policy). Fix: give the key ARN',
  ],
  [
    'ExportBucket with zero days for aborting multipart uploads',
    (stack) => new ExportBucket(stack, 'Bucket', { abortIncompleteMultipartUploadDays: 0 }),
    'abortIncompleteMultipartUploadDays: 0 is not a whole number of days of at least 1. Fix: use a whole number like 7.',
  ],
  [
    'SinkWriter with slashes around the prefix',
    writer({ prefix: '/events/' }),
    'prefix: "/events/" starts with "/", ends with "/". Fix: use a path like "events"',
  ],
  [
    'SinkWriter with a double slash in the prefix',
    writer({ prefix: 'a//b' }),
    'prefix: "a//b" contains "//". Fix:',
  ],
  [
    'SinkWriter with an invalid IAM user name',
    writer({ userName: 'has space' }),
    'userName: "has space" is not a valid IAM user name. Fix: use 1 to 64 letters, digits and +=,.@_- characters.',
  ],
  [
    'SinkWriter in task-role mode with a pgpKey',
    writer({ mode: WriterMode.TASK_ROLE, pgpKey: 'keybase:someone' }),
    'pgpKey: "keybase:someone" only applies to an IAM user, and WriterMode.TASK_ROLE creates none. Fix: remove pgpKey, or use WriterMode.ACCESS_KEY.',
  ],
  [
    'S3Sink with a name containing a space',
    sink((stack) => ({
      name: 'my sink',
      writer: new SinkWriter(stack, 'Writer', { bucket: bucketOf(stack) }),
    })),
    'name: "my sink" is not a valid sink name. Fix: use 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit, e.g. "s3".',
  ],
  [
    'S3Sink with both a writer and a credentials file',
    sink((stack) => ({
      writer: new SinkWriter(stack, 'Writer', { bucket: bucketOf(stack) }),
      credentialsFile: 's3.json',
    })),
    'credentialsFile: "s3.json" is given together with writer (a sink holds one set of credentials). Fix: give either writer (new credentials) or credentialsFile (existing s3.json), not both.',
  ],
  [
    'S3Sink with neither a writer nor a credentials file',
    sink(() => ({})),
    'writer: (not set) and credentialsFile are both missing. Fix: pass writer: new SinkWriter(...), or credentialsFile: "s3.json" together with bucket.',
  ],
  [
    'S3Sink from a credentials file without a bucket',
    sink(() => ({ credentialsFile: writeTempFile(accessKeyDocument()) })),
    'bucket: (not set) is required with credentialsFile. Fix: pass bucket: ExportBucket.fromBucketName(scope, "Bucket", "<bucket the key may write to>").',
  ],
  [
    'S3Sink from a writer whose secret is PGP-encrypted',
    sink((stack) => ({
      writer: new SinkWriter(stack, 'Writer', { bucket: bucketOf(stack), pgpKey: 'keybase:someone' }),
    })),
    'writer: "test/Writer" encrypts its secret with pgpKey, so Terraform never has the plain secret to store in the sink. Fix: decrypt the key yourself',
  ],
  [
    'S3Sink with a recovery window Secrets Manager does not allow',
    sink((stack) => ({
      credentialsFile: writeTempFile(accessKeyDocument()),
      bucket: bucketOf(stack),
      secretRecoveryWindowDays: 3,
    })),
    'secretRecoveryWindowDays: 3 is not 0 or a whole number from 7 to 30 (Secrets Manager limits). Fix: use 7 to 30 days, or 0 to delete the secret at once on destroy.',
  ],
  [
    'S3Sink with a region that is not a region name',
    sink((stack) => ({
      credentialsFile: writeTempFile(accessKeyDocument()),
      bucket: bucketOf(stack),
      region: 'Europe',
    })),
    'region: "Europe" is not an AWS region name. Fix: use a region like "eu-west-1".',
  ],
  [
    'BatchExporter with an interval above an hour',
    exporter({ interval: 5000 }),
    'interval: 5000 is not a whole number of seconds from 1 to 3600. Fix: use e.g. 60 (the default).',
  ],
  [
    'BatchExporter whose prefix and stream name leave no room for object keys',
    exporterWithLongKeys,
    `pathPrefix (default: the sink's prefix): "events/aaaa`,
  ],
  [
    'BatchExporter whose prefix and stream name leave no room for object keys (the reason)',
    exporterWithLongKeys,
    `with stream.name "${'s'.repeat(100)}" makes object keys of up to 1042 bytes, more than S3's 1024. ` +
      'Fix: shorten the path prefix or the stream name by at least 18 characters together.',
  ],
  [
    'BatchExporter with an unknown log level',
    exporter({ logLevel: 'verbose' as 'debug' }),
    'logLevel: "verbose" is not a log level. Fix: use one of fatal, error, warn, info, debug, trace.',
  ],
  [
    'BatchExporter with an unknown SASL mechanism',
    exporter({ stream: { ...DEMO_STREAM, auth: { saslMechanism: 'gssapi' as 'plain', username: 'u' } } }),
    'stream.auth.saslMechanism: "gssapi" is not a supported SASL mechanism. Fix: use one of plain, scram-sha-256, scram-sha-512, aws-msk-iam.',
  ],
  [
    'BatchExporter with an unknown data-loss policy',
    exporter({ onDataLoss: 'ignore' as 'skip' }),
    'onDataLoss: "ignore" is not a data-loss policy. Fix: use one of fail, skip.',
  ],
  [
    'BatchExporter with no consumers',
    exporter({ consumers: 0 }),
    'consumers: 0 is not a whole number from 1 to 100. Fix: use at most one consumer per partition of the topic.',
  ],
  [
    "BatchExporter writing outside the sink's prefix",
    exporter({ pathPrefix: 'other' }),
    'pathPrefix: "other" is outside the sink\'s prefix "events", which its credentials may not write to. Fix: use "events" or a path below it like "events/other".',
  ],
  [
    'BatchExporter with a broker without a port',
    exporter({ stream: { ...DEMO_STREAM, brokers: ['kafka'] } }),
    'stream.brokers[0]: "kafka" is not "host:port". Fix: write it like "b-1.kafka.internal:9092".',
  ],
  [
    'BatchExporter with a topic Kafka rejects',
    exporter({ stream: { ...DEMO_STREAM, topic: 'bad topic!' } }),
    'stream.topic: "bad topic!" is not a valid Kafka topic name. Fix: use the Kafka topic: 1 to 249 letters, digits, ".", "_" or "-".',
  ],
  [
    'BatchExporter with a log retention CloudWatch does not offer',
    exporter({ logRetentionDays: 10 }),
    'logRetentionDays: 10 is not a CloudWatch Logs retention value. Fix: use one of 1, 3, 5, 7, 14, 30',
  ],
  [
    'BatchExporter with a memory size Fargate does not offer',
    exporter({ memoryMiB: 300 }),
    'memoryMiB: 300 is not a Fargate memory size for 256 CPU units. Fix: use one of 512, 1024, 2048.',
  ],
  [
    'BatchExporter with an image that is not an image reference',
    exporter({ image: ExporterImage.fromRegistry('not an image!') }),
    'image: "not an image!" is not an image reference like "registry.example.com/batch-exporter:1.0.0". Fix: give the full image reference with a tag or digest.',
  ],
  [
    'BatchExporter with SASL PLAIN but no password secret',
    exporter({ stream: { ...DEMO_STREAM, auth: { saslMechanism: 'plain', username: 'exporter' } } }),
    'stream.auth: {"saslMechanism":"plain","username":"exporter"} needs username and passwordSecretArn for SASL plain. Fix: give both',
  ],
  [
    'BatchExporter without subnets',
    exporter({ network: { subnetIds: [], securityGroupIds: ['sg-1'] } }),
    'network.subnetIds: [] is empty. Fix: give at least one subnet id.',
  ],
  [
    'S3BatchExport with both an existing bucket and new bucket props',
    (stack) =>
      new S3BatchExport(stack, 'Export', {
        stream: DEMO_STREAM,
        network: DEMO_NETWORK,
        bucket: bucketOf(stack),
        bucketProps: { forceDestroy: true },
      }),
    'bucketProps: ["forceDestroy"] is given together with bucket (an existing bucket cannot get new settings). Fix: give bucket (existing) or bucketProps (new), not both.',
  ],
];

describe('prop validation', () => {
  test('covers at least 15 bad props', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(15);
  });

  test.each(CASES)('fails for %s, naming prop, value and fix', (_name, build, message) => {
    expect(errorOf(build)).toContain(message);
  });

  test('fails listing every problem of one construct in one error', () => {
    expect(errorOf(exporter({ interval: 0, consumers: 1000, pathPrefix: '/x' }))).toBe(
      [
        'Invalid BatchExporter props at "test/Exporter" (3 problems):',
        '  - interval: 0 is not a whole number of seconds from 1 to 3600. Fix: use e.g. 60 (the default).',
        '  - consumers: 1000 is not a whole number from 1 to 100. Fix: use at most one consumer per partition of the topic.',
        '  - pathPrefix: "/x" starts with "/". Fix: use a path like "events" or "exports/clicks": no leading or trailing "/", no "//", no "." or ".." segment, at most 900 characters; leave it unset to write to the bucket root.',
      ].join('\n'),
    );
  });

  test('skips values that are only known at apply time', () => {
    const out = synthStack((stack) => {
      exporter({
        interval: Token.asNumber('${var.interval}'),
        consumers: Token.asNumber('${var.consumers}'),
      })(stack);
    });
    expect(out.onlyResource('aws_ecs_service').body.desired_count).toBe('${var.consumers}');
    const [container] = JSON.parse(
      out.onlyResource('aws_ecs_task_definition').body.container_definitions as string,
    );
    expect(container.environment).toContainEqual({
      name: 'BATCH_EXPORTER_INTERVAL_SECONDS',
      value: '${var.interval}',
    });
    expect(out.annotationsOf('warn')).toEqual([]);
  });
});
