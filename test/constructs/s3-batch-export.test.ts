import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { ExportBucket } from '../../constructs/bucket/export-bucket';
import { BatchExporter } from '../../constructs/exporter/batch-exporter';
import { IMAGE_SOURCES, hashSources } from '../../constructs/exporter/bundled-image';
import { ExporterImage } from '../../constructs/exporter/exporter-image';
import { S3BatchExport } from '../../constructs/s3-batch-export';
import { WriterMode } from '../../constructs/writer/sink-writer';
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

describe('S3BatchExport', () => {
  test('composes bucket, writer, sink and exporter, each reachable as an escape hatch', () => {
    let composite: S3BatchExport | undefined;
    const out = synthStack((stack) => {
      composite = new S3BatchExport(stack, 'Export', {
        stream: DEMO_STREAM,
        network: DEMO_NETWORK,
        image: ExporterImage.fromRegistry(DEMO_IMAGE_URI),
        prefix: 'events',
        exporterOptions: { consumers: 2 },
      });
      (composite.bucket as ExportBucket).resource.addOverride('object_lock_enabled', false);
    });
    expect(
      out
        .graph()
        .countsByType()
        .filter((entry) => entry.mode === 'managed')
        .map((entry) => entry.type),
    ).toEqual([
      'aws_cloudwatch_log_group',
      'aws_ecs_cluster',
      'aws_ecs_service',
      'aws_ecs_task_definition',
      'aws_iam_access_key',
      'aws_iam_role',
      'aws_iam_role_policy',
      'aws_iam_user',
      'aws_iam_user_policy',
      'aws_s3_bucket',
      'aws_s3_bucket_lifecycle_configuration',
      'aws_s3_bucket_ownership_controls',
      'aws_s3_bucket_policy',
      'aws_s3_bucket_public_access_block',
      'aws_s3_bucket_server_side_encryption_configuration',
      'aws_secretsmanager_secret',
      'aws_secretsmanager_secret_version',
      'terraform_data',
    ]);
    expect(out.onlyResource('aws_s3_bucket').body.object_lock_enabled).toBe(false);
    expect(out.onlyResource('aws_ecs_service').body.desired_count).toBe(2);
    expect(composite?.exporter.pathPrefix).toBe('events');
    expect(composite?.exporter.exporterName).toBe('s3-demo');
  });

  test('uses an existing bucket and s3.json without creating a bucket or a writer', () => {
    const out = synthStack(
      (stack) =>
        new S3BatchExport(stack, 'Export', {
          stream: DEMO_STREAM,
          network: DEMO_NETWORK,
          image: ExporterImage.fromRegistry(DEMO_IMAGE_URI),
          bucket: ExportBucket.fromBucketName(stack, 'Bucket', 'strmprivacy-export-demo'),
          credentialsFile: writeTempFile(accessKeyDocument()),
          sinkOptions: { validateOnDeploy: false },
        }),
    );
    expect(out.resources('aws_s3_bucket')).toEqual({});
    expect(out.resources('aws_iam_user')).toEqual({});
    expect(Object.keys(out.resources('aws_secretsmanager_secret_version'))).toHaveLength(1);
  });

  test('runs without a long-lived key in task-role mode', () => {
    const out = synthStack(
      (stack) =>
        new S3BatchExport(stack, 'Export', {
          stream: DEMO_STREAM,
          network: DEMO_NETWORK,
          image: ExporterImage.fromRegistry(DEMO_IMAGE_URI),
          writerOptions: { mode: WriterMode.TASK_ROLE },
        }),
    );
    expect(out.resources('aws_iam_access_key')).toEqual({});
    expect(out.resources('aws_secretsmanager_secret')).toEqual({});
    expect(out.resourceAt('aws_iam_role_policy', 'Export/Exporter/TaskRolePolicy').body.name).toBe(
      'batch-exporter-bucket-write-access',
    );
  });

  test('fails with every conflict of existing and new parts in one error', () => {
    expect(() =>
      synthStack(
        (stack) =>
          new S3BatchExport(stack, 'Export', {
            stream: DEMO_STREAM,
            network: DEMO_NETWORK,
            credentialsFile: 's3.json',
            writerOptions: { userName: 'u' },
          }),
      ),
    ).toThrow(
      [
        'Invalid S3BatchExport props at "test/Export" (2 problems):',
        '  - bucket: (not set) is required with credentialsFile (the key in s3.json writes to a bucket that already exists). Fix: pass bucket: ExportBucket.fromBucketName(scope, "Bucket", "<bucket name>").',
        '  - writerOptions: ["userName"] is given together with credentialsFile, so no writer is created. Fix: remove writerOptions, or remove credentialsFile to create a writer.',
      ].join('\n'),
    );
  });
});

describe('ExporterImage.fromRuntimeSources', () => {
  test('builds once per stack, tags by the source hash and lets exporters pull from the new repository', () => {
    let first: BatchExporter | undefined;
    const out = synthStack((stack) => {
      const image = ExporterImage.fromRuntimeSources();
      first = new S3BatchExport(stack, 'A', { stream: DEMO_STREAM, network: DEMO_NETWORK, image }).exporter;
      new S3BatchExport(stack, 'B', {
        stream: { ...DEMO_STREAM, name: 'other' },
        network: DEMO_NETWORK,
        image,
      });
    });
    const repository = out.onlyResource('aws_ecr_repository');
    expect(repository.body).toMatchObject({
      name: 'batch-exporter-runtime',
      image_tag_mutability: 'IMMUTABLE',
      image_scanning_configuration: { scan_on_push: true },
      // KMS with the AWS managed key: no key resource and no KMS permission for the puller.
      encryption_configuration: [{ encryption_type: 'KMS' }],
    });
    expect(repository.body.encryption_configuration).not.toContainEqual(
      expect.objectContaining({ kms_key: expect.anything() }),
    );
    const tag = hashSources(path.resolve(__dirname, '..', '..')).slice(0, 16);
    const build = out.onlyResource('docker_image');
    expect(build.body.name).toBe(`\${aws_ecr_repository.${repository.name}.repository_url}:${tag}`);
    const push = out.onlyResource('docker_registry_image');
    const containers = Object.values(out.resources('aws_ecs_task_definition')).map(
      (task) => JSON.parse(task.container_definitions as string)[0].image,
    );
    expect(containers).toEqual([
      `\${docker_registry_image.${push.name}.name}`,
      `\${docker_registry_image.${push.name}.name}`,
    ]);
    const policy = JSON.parse(
      out.resourceAt('aws_iam_role_policy', 'A/Exporter/ExecutionRolePolicy').body.policy as string,
    );
    expect(policy.Statement.slice(-2)).toEqual([
      {
        Effect: 'Allow',
        Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        Resource: `\${aws_ecr_repository.${repository.name}.arn}`,
      },
      { Effect: 'Allow', Action: ['ecr:GetAuthorizationToken'], Resource: '*' },
    ]);
    expect(first?.exporterName).toBe('s3-demo');
  });

  test('hashes the image sources deterministically and changes with any of them', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'image-sources-'));
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'image-sources-'));
    const changed = fs.mkdtempSync(path.join(os.tmpdir(), 'image-sources-'));
    try {
      fs.mkdirSync(path.join(root, 'runtime'));
      fs.mkdirSync(path.join(root, 'dist', 'runtime', 'cli'), { recursive: true });
      for (const file of ['runtime/Dockerfile', 'runtime/package.json', 'runtime/npm-shrinkwrap.json'])
        fs.writeFileSync(path.join(root, file), file);
      fs.writeFileSync(path.join(root, 'dist', 'runtime', 'cli', 'main.js'), 'one');
      const before = hashSources(root);
      expect(before).toMatch(/^[a-f0-9]{64}$/);
      fs.cpSync(root, copy, { recursive: true });
      fs.writeFileSync(path.join(copy, 'README.md'), 'not in the image');
      fs.mkdirSync(path.join(copy, 'dist', 'constructs'));
      fs.writeFileSync(path.join(copy, 'dist', 'constructs', 'index.js'), 'not in the image');
      expect(hashSources(copy)).toBe(before);
      fs.cpSync(root, changed, { recursive: true });
      fs.writeFileSync(path.join(changed, 'dist', 'runtime', 'cli', 'main.js'), 'two');
      expect(hashSources(changed)).not.toBe(before);
    } finally {
      for (const dir of [root, copy, changed]) fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('fails with every missing image source and the fix when packageRoot holds no runtime', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'no-runtime-'));
    try {
      fs.mkdirSync(path.join(root, 'runtime'));
      fs.writeFileSync(path.join(root, 'runtime', 'Dockerfile'), 'FROM node:20-bookworm-slim\n');
      expect(() =>
        synthStack((stack) => {
          new S3BatchExport(stack, 'Export', {
            stream: DEMO_STREAM,
            network: DEMO_NETWORK,
            image: ExporterImage.fromRuntimeSources({ packageRoot: root }),
          });
        }),
      ).toThrow(
        [
          'Invalid BatchExporter props at "test/Export/Exporter" (1 problem):',
          `  - image: "ExporterImage.fromRuntimeSources()" cannot be built from ${root}: it lacks ` +
            `${IMAGE_SOURCES.filter((s) => s !== 'runtime/Dockerfile').join(', ')}. Fix: set packageRoot to the ` +
            'installed package (node_modules/cdktf-batch-exporter), whose npm tarball ships them, or, in a clone ' +
            'of the repository, run `npm run build` first; or use ExporterImage.fromRegistry.',
        ].join('\n'),
      );
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
