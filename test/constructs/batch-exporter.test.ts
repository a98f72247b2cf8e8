import { TerraformStack } from 'cdktf';

import { ExportBucket } from '../../constructs/bucket/export-bucket';
import { BatchExporter } from '../../constructs/exporter/batch-exporter';
import { BatchExporterProps } from '../../constructs/exporter/exporter-props';
import { ExporterImage } from '../../constructs/exporter/exporter-image';
import { S3Sink } from '../../constructs/sink/s3-sink';
import { SinkWriter, WriterMode } from '../../constructs/writer/sink-writer';
import { loadConfig } from '../../runtime/config/load';
import { synthStack, SynthesizedStack } from '../support/synth';
import {
  accessKeyDocument,
  containerOf,
  DEMO_IMAGE_URI,
  DEMO_NETWORK,
  DEMO_STREAM,
  KMS_KEY_ARN,
} from './fixtures';

interface Graph {
  bucket: ExportBucket | ReturnType<typeof ExportBucket.fromBucketName>;
  writer: SinkWriter;
  sink: S3Sink;
}

function graph(
  stack: TerraformStack,
  options: { newBucket?: boolean; mode?: WriterMode; secretKey?: string } = {},
): Graph {
  const bucket = options.newBucket
    ? new ExportBucket(stack, 'Bucket', { bucketName: 'strmprivacy-export-demo' })
    : ExportBucket.fromBucketName(stack, 'Bucket', 'strmprivacy-export-demo');
  const writer = new SinkWriter(stack, 'Writer', { bucket, prefix: 'events', mode: options.mode });
  const sink = new S3Sink(stack, 'Sink', {
    name: 's3',
    writer,
    secretEncryptionKeyArn: options.secretKey,
    validateOnDeploy: options.mode === WriterMode.TASK_ROLE ? undefined : false,
  });
  return { bucket, writer, sink };
}

function exporterProps(sink: S3Sink, extra: Partial<BatchExporterProps> = {}): BatchExporterProps {
  return {
    stream: DEMO_STREAM,
    sink,
    image: ExporterImage.fromRegistry(DEMO_IMAGE_URI),
    network: DEMO_NETWORK,
    ...extra,
  };
}

function synthExporter(
  extra: Partial<BatchExporterProps> = {},
  options: Parameters<typeof graph>[1] = {},
): SynthesizedStack {
  return synthStack((stack) => {
    const { sink } = graph(stack, options);
    new BatchExporter(stack, 'Exporter', exporterProps(sink, extra));
  });
}

/** Terraform references replaced by plausible values, as they will be at apply time. */
function resolveReferences(environment: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [
      key,
      value.replace(/\$\{aws_s3_bucket\.[^}]+\.bucket\}/g, 'resolved-bucket'),
    ]),
  );
}

describe('BatchExporter', () => {
  test('renders an environment the runtime configuration loader accepts, with the seed defaults', () => {
    const out = synthExporter();
    const { environment, secrets } = containerOf(out.onlyResource('aws_ecs_task_definition').body);
    const loaded = loadConfig({
      ...environment,
      BATCH_EXPORTER_SINK_CREDENTIALS: JSON.stringify(accessKeyDocument()),
    });
    expect(loaded.errors).toBeUndefined();
    expect(loaded.config).toMatchObject({
      exporterName: 's3-demo',
      stream: { name: 'demo', topic: 'demo-events' },
      kafka: { brokers: DEMO_STREAM.brokers, tls: false, groupId: 'batch-exporter-demo-s3-demo' },
      sink: {
        bucket: 'strmprivacy-export-demo',
        credentials: { kind: 'static', accessKeyId: 'AKIAIOSFODNN7EXAMPLE' },
      },
      pathPrefix: 'events',
      intervalSeconds: 60,
      includeExistingEvents: false,
    });
    expect(Object.keys(secrets)).toEqual(['BATCH_EXPORTER_SINK_CREDENTIALS']);
    expect(Object.keys(environment)).not.toContain('BATCH_EXPORTER_SINK_CREDENTIALS');
  });

  test('renders every optional setting so the runtime reads it back unchanged', () => {
    const out = synthStack((stack) => {
      const { sink } = graph(stack, { newBucket: true });
      new BatchExporter(
        stack,
        'Exporter',
        exporterProps(sink, {
          name: 'clicks-to-s3',
          stream: {
            ...DEMO_STREAM,
            auth: {
              tls: true,
              saslMechanism: 'scram-sha-512',
              username: 'exporter',
              passwordSecretArn: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:kafka-AbCdEf',
            },
          },
          interval: 120,
          pathPrefix: 'events/clicks',
          includeExistingEvents: true,
          maxObjectBytes: 8 * 1024 * 1024,
          logLevel: 'debug',
          onDataLoss: 'skip',
        }),
      );
    });
    const { environment, secrets } = containerOf(out.onlyResource('aws_ecs_task_definition').body);
    const loaded = loadConfig({
      ...resolveReferences(environment),
      BATCH_EXPORTER_SINK_CREDENTIALS: JSON.stringify(accessKeyDocument()),
      BATCH_EXPORTER_KAFKA_SASL_PASSWORD: 'placeholder-password',
    });
    expect(loaded.errors).toBeUndefined();
    expect(loaded.config).toMatchObject({
      exporterName: 'clicks-to-s3',
      kafka: { tls: true, sasl: { mechanism: 'scram-sha-512', username: 'exporter' } },
      sink: { bucket: 'resolved-bucket' },
      pathPrefix: 'events/clicks',
      intervalSeconds: 120,
      includeExistingEvents: true,
      maxObjectBytes: 8 * 1024 * 1024,
      logLevel: 'debug',
      onDataLoss: 'skip',
    });
    expect(Object.keys(secrets).sort()).toEqual([
      'BATCH_EXPORTER_KAFKA_SASL_PASSWORD',
      'BATCH_EXPORTER_SINK_CREDENTIALS',
    ]);
  });

  test('lets the execution role read only the sink secret and decrypt only with its key', () => {
    const out = synthExporter({}, { secretKey: KMS_KEY_ARN });
    const secret = `\${aws_secretsmanager_secret.${out.onlyResource('aws_secretsmanager_secret').name}.arn}`;
    const logGroup = `\${aws_cloudwatch_log_group.${out.onlyResource('aws_cloudwatch_log_group').name}.arn}`;
    const policies = Object.values(out.resources('aws_iam_role_policy'));
    expect(policies).toHaveLength(1);
    expect(JSON.parse(policies[0].policy as string)).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `${logGroup}:*` },
        { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: secret },
        { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: KMS_KEY_ARN },
      ],
    });
    const { secrets } = containerOf(out.onlyResource('aws_ecs_task_definition').body);
    expect(secrets).toEqual({ BATCH_EXPORTER_SINK_CREDENTIALS: secret });
  });

  test('runs consumers tasks on Fargate, waits for a steady state and keeps logs for a year', () => {
    const out = synthExporter({ consumers: 3 });
    expect(out.onlyResource('aws_cloudwatch_log_group').body).toMatchObject({
      name: '/batch-exporter/demo/s3-demo',
      retention_in_days: 365,
    });
    expect(out.onlyResource('aws_ecs_service').body).toMatchObject({
      name: 'demo-s3-demo',
      desired_count: 3,
      launch_type: 'FARGATE',
      wait_for_steady_state: true,
      deployment_circuit_breaker: { enable: true, rollback: true },
      network_configuration: {
        subnets: DEMO_NETWORK.subnetIds,
        security_groups: DEMO_NETWORK.securityGroupIds,
        assign_public_ip: false,
      },
    });
    const task = out.onlyResource('aws_ecs_task_definition').body;
    expect(task).toMatchObject({
      family: 'demo-s3-demo',
      network_mode: 'awsvpc',
      requires_compatibilities: ['FARGATE'],
      cpu: '256',
      memory: '512',
    });
    expect(containerOf(task).definition).toMatchObject({
      image: DEMO_IMAGE_URI,
      readonlyRootFilesystem: true,
      healthCheck: { command: ['CMD', 'node', 'dist/runtime/healthcheck.js'] },
      logConfiguration: { logDriver: 'awslogs' },
    });
  });

  test('gives the task role the writer policy and injects no credentials in task-role mode', () => {
    let writerPolicy = '';
    const out = synthStack((stack) => {
      const { sink, writer } = graph(stack, { mode: WriterMode.TASK_ROLE });
      writerPolicy = writer.policyJson;
      new BatchExporter(stack, 'Exporter', exporterProps(sink));
    });
    const taskPolicy = out.resourceAt('aws_iam_role_policy', 'Exporter/TaskRolePolicy').body;
    expect(JSON.parse(taskPolicy.policy as string)).toEqual(JSON.parse(writerPolicy));
    const { secrets, environment } = containerOf(out.onlyResource('aws_ecs_task_definition').body);
    expect(secrets).toEqual({});
    const loaded = loadConfig(environment);
    expect(loaded.config?.sink.credentials).toEqual({ kind: 'default-chain' });
  });

  test('warns about many small objects when the interval is below 30 seconds', () => {
    const out = synthExporter({ interval: 5 });
    expect(out.annotationsOf('warn').map((a) => a.message)).toEqual([
      expect.stringContaining('interval 5s is below the recommended minimum of 30s'),
    ]);
    expect(synthExporter({ interval: 30 }).annotationsOf('warn')).toEqual([]);
  });

  test('fails when two exporters on one stream share a name', () => {
    expect(() =>
      synthStack((stack) => {
        const { sink } = graph(stack);
        new BatchExporter(stack, 'First', exporterProps(sink));
        new BatchExporter(stack, 'Second', exporterProps(sink));
      }),
    ).toThrow(
      'Invalid BatchExporter props at "test/Second" (1 problem):\n  - name: "s3-demo" is already used by the exporter at "test/First" on stream "demo" (names are unique per stream). Fix: give this exporter another name, e.g. "<sink name>-<stream name>-2".',
    );
  });

  test('allows the same name on different streams, with distinct AWS names and consumer groups', () => {
    const out = synthStack((stack) => {
      const { sink } = graph(stack);
      new BatchExporter(stack, 'First', exporterProps(sink, { name: 's3' }));
      new BatchExporter(
        stack,
        'Second',
        exporterProps(sink, { name: 's3', stream: { ...DEMO_STREAM, name: 'other.v2' } }),
      );
    });
    const names = (type: string, attribute: string) =>
      Object.values(out.resources(type))
        .map((body) => body[attribute])
        .sort();
    expect(names('aws_ecs_service', 'name')).toEqual(['demo-s3', 'other_v2-s3']);
    expect(names('aws_ecs_task_definition', 'family')).toEqual(['demo-s3', 'other_v2-s3']);
    expect(names('aws_ecs_cluster', 'name')).toEqual([
      'batch-exporter-demo-s3',
      'batch-exporter-other_v2-s3',
    ]);
    expect(names('aws_cloudwatch_log_group', 'name')).toEqual([
      '/batch-exporter/demo/s3',
      '/batch-exporter/other.v2/s3',
    ]);
    const groups = Object.values(out.resources('aws_ecs_task_definition')).map(
      (task) => containerOf(task).environment.BATCH_EXPORTER_KAFKA_GROUP_ID,
    );
    expect(groups.sort()).toEqual(['batch-exporter-demo-s3', 'batch-exporter-other.v2-s3']);
  });

  test('fails when the sink is in another stack, together with every other problem', () => {
    expect(() =>
      synthStack((stack) => {
        const other = new TerraformStack(stack.node.scope!, 'other');
        const { sink } = graph(other);
        new BatchExporter(stack, 'Exporter', exporterProps(sink, { consumers: 0 }));
      }),
    ).toThrow(
      [
        'Invalid BatchExporter props at "test/Exporter" (2 problems):',
        '  - consumers: 0 is not a whole number from 1 to 100. Fix: use at most one consumer per partition of the topic.',
        '  - sink: "other/Sink" is in another stack (other); the graph must order the exporter and its sink, which needs one state. Fix: create the sink in the same stack as its exporters.',
      ].join('\n'),
    );
  });

  test('fails at synth when the sink was removed while the exporter still uses it', () => {
    expect(() =>
      synthStack((stack) => {
        const { sink } = graph(stack);
        new BatchExporter(stack, 'Exporter', exporterProps(sink));
        stack.node.tryRemoveChild('Sink');
      }),
    ).toThrow(
      /BatchExporter "s3-demo" \(test\/Exporter\) still uses sink "s3" \(test\/Sink\), which has been removed from the stack\. Remove the exporter together with the sink/,
    );
  });

  test('a sink is required by the type system', () => {
    expect(() =>
      synthStack((stack) => {
        // @ts-expect-error -- removing the sink from an exporter's props does not compile
        new BatchExporter(stack, 'Exporter', {
          stream: DEMO_STREAM,
          image: ExporterImage.fromRegistry(DEMO_IMAGE_URI),
          network: DEMO_NETWORK,
        });
      }),
    ).toThrow(/sink: \(not set\) is required\. Fix: pass the S3Sink to write to\./);
  });
});
