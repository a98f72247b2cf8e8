import * as path from 'path';

import { existingBucketApp } from '../../examples/existing-bucket/main';
import { s3ExportApp } from '../../examples/s3-export/main';
import { exampleSettings } from '../../examples/settings';
import { synthApp, tempOutdir } from '../support/synth';
import { containerOf } from './fixtures';

const LOCAL = {
  EXAMPLE_AWS_ENDPOINT: 'http://127.0.0.1:5000',
  EXAMPLE_KAFKA_BROKERS: '127.0.0.1:9092,127.0.0.1:9093',
  EXAMPLE_STREAM_NAME: 'clicks',
  EXAMPLE_TOPIC: 'clickstream',
  EXAMPLE_BUCKET: 'local-export',
  EXAMPLE_INTERVAL_SECONDS: '2',
  EXAMPLE_CONSUMERS: '2',
  EXAMPLE_IMAGE: 'registry.example.com/batch-exporter:local',
  EXAMPLE_VALIDATE_ON_DEPLOY: 'false',
};

describe('examples/s3-export', () => {
  test('synthesizes the full graph with the bundled image by default', () => {
    const outdir = tempOutdir();
    const out = synthApp(s3ExportApp({}, outdir))['s3-export'];
    const graph = out.graph();
    for (const type of [
      'aws_s3_bucket',
      'aws_iam_user',
      'aws_iam_user_policy',
      'aws_iam_access_key',
      'aws_secretsmanager_secret',
      'aws_secretsmanager_secret_version',
      'terraform_data',
      'aws_ecs_task_definition',
      'aws_ecs_service',
      'aws_ecr_repository',
      'docker_image',
      'docker_registry_image',
    ]) {
      expect(graph.ofType(type)).toHaveLength(1);
    }
    expect(graph.referencesOutsideStack()).toEqual([]);
    const build = out.onlyResource('docker_image').body.build as Record<string, unknown>;
    // Relative to the directory Terraform runs in, so no absolute path of this machine is synthesized.
    expect(path.isAbsolute(build.context as string)).toBe(false);
    expect(path.resolve(outdir, 'stacks', 's3-export', build.context as string)).toBe(
      path.resolve(__dirname, '..', '..'),
    );
    expect(build.dockerfile).toBe('runtime/Dockerfile');
  });

  test('points at local services and writes into the given outdir when configured by environment', () => {
    const out = synthApp(s3ExportApp(LOCAL, tempOutdir()))['s3-export'];
    const provider = (out.json.provider?.aws as Array<Record<string, unknown>>)[0];
    expect(provider).toMatchObject({ region: 'eu-west-1', s3_use_path_style: true });
    const { environment } = containerOf(out.onlyResource('aws_ecs_task_definition').body);
    expect(environment).toMatchObject({
      BATCH_EXPORTER_KAFKA_BROKERS: '127.0.0.1:9092,127.0.0.1:9093',
      BATCH_EXPORTER_STREAM_NAME: 'clicks',
      BATCH_EXPORTER_TOPIC: 'clickstream',
      BATCH_EXPORTER_SINK_ENDPOINT: 'http://127.0.0.1:5000',
      BATCH_EXPORTER_INTERVAL_SECONDS: '2',
    });
    expect(out.onlyResource('aws_ecs_service').body.desired_count).toBe(2);
    expect(out.resources('terraform_data')).toEqual({});
    expect(out.annotationsOf('warn')).toHaveLength(1);
  });

  test('fails listing every bad setting at once', () => {
    expect(() =>
      exampleSettings({ EXAMPLE_CONSUMERS: 'two', EXAMPLE_VALIDATE_ON_DEPLOY: 'yes', EXAMPLE_BROKER: 'x:1' }),
    ).toThrow(
      [
        'The example settings have 3 problem(s):',
        '  - EXAMPLE_CONSUMERS="two" is not a whole number. Fix: set it like EXAMPLE_CONSUMERS=1.',
        '  - EXAMPLE_VALIDATE_ON_DEPLOY="yes" is not true or false. Fix: set EXAMPLE_VALIDATE_ON_DEPLOY=true or EXAMPLE_VALIDATE_ON_DEPLOY=false.',
        '  - EXAMPLE_BROKER is not a setting of the examples, so it would be ignored.',
      ].join('\n'),
    );
  });
});

describe('examples/existing-bucket', () => {
  test('synthesizes a sink from the sample s3.json without touching the bucket', () => {
    const out = synthApp(existingBucketApp({ EXAMPLE_IMAGE: LOCAL.EXAMPLE_IMAGE }, tempOutdir()))[
      'existing-bucket'
    ];
    expect(out.resources('aws_s3_bucket')).toEqual({});
    expect(out.resources('aws_iam_user')).toEqual({});
    const version = out.onlyResource('aws_secretsmanager_secret_version').body;
    expect(JSON.parse(version.secret_string as string).AccessKey.AccessKeyId).toBe('AKIAIOSFODNN7EXAMPLE');
    const { environment } = containerOf(out.onlyResource('aws_ecs_task_definition').body);
    expect(environment).toMatchObject({
      BATCH_EXPORTER_SINK_BUCKET: 'strmprivacy-export-demo',
      BATCH_EXPORTER_PATH_PREFIX: 'events',
    });
    expect(out.graph().referencesOutsideStack()).toEqual([]);
  });
});
