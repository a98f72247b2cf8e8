/**
 * Everything this package synthesizes and ships, as checkov targets: every example with its default
 * settings, the library's stacks with non-default props (an existing bucket with a KMS key, a task-role
 * writer, KMS keys for the bucket, the sink secret and the Kafka password, the runtime image built from the
 * package) and runtime/Dockerfile.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { App, TerraformStack } from 'cdktf';

import { ExportBucket } from '../../constructs/bucket/export-bucket';
import { BatchExporter } from '../../constructs/exporter/batch-exporter';
import { ExporterImage } from '../../constructs/exporter/exporter-image';
import { CheckovTargets } from '../../review/checkov';
import { S3Sink } from '../../constructs/sink/s3-sink';
import { SinkWriter, WriterMode } from '../../constructs/writer/sink-writer';
import { projectRoot } from '../../local/project-root';
import { synthStack } from '../support/synth';
import {
  accessKeyDocument,
  DEMO_NETWORK,
  DEMO_STREAM,
  KMS_KEY_ARN,
  removeTempFiles,
  writeTempFile,
} from '../constructs/fixtures';
import { EXAMPLES } from './example-reviews';
import { libraryPipeline } from './library-stack';

const SECRET_KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/abcd1234-12ab-34cd-56ef-1234567890ab';
const KAFKA_PASSWORD_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:kafka-password-AbCdEf';

/** The library's stacks with non-default props, by label. */
export const LIBRARY_STACKS: readonly {
  readonly label: string;
  readonly build: (stack: TerraformStack) => void;
}[] = [
  {
    label: 'library: writer user with a prefix',
    build: (stack) => libraryPipeline(stack, { prefix: 'events' }),
  },
  {
    label: 'library: task-role writer, KMS bucket, runtime image',
    build: (stack) => {
      const bucket = new ExportBucket(stack, 'Bucket', {
        bucketName: 'kms-exports',
        encryptionKeyArn: KMS_KEY_ARN,
        tags: { team: 'data' },
      });
      const writer = new SinkWriter(stack, 'Writer', {
        bucket,
        prefix: 'events',
        mode: WriterMode.TASK_ROLE,
      });
      const sink = new S3Sink(stack, 'Sink', { name: 's3', writer });
      new BatchExporter(stack, 'Exporter', {
        stream: {
          ...DEMO_STREAM,
          auth: {
            tls: true,
            saslMechanism: 'scram-sha-512',
            username: 'exporter',
            passwordSecretArn: KAFKA_PASSWORD_ARN,
            passwordSecretKmsKeyArn: SECRET_KEY_ARN,
          },
        },
        sink,
        image: ExporterImage.fromRuntimeSources(),
        network: DEMO_NETWORK,
        pathPrefix: 'events',
        consumers: 3,
        tags: { team: 'data' },
      });
    },
  },
  {
    label: 'library: existing KMS bucket, s3.json, KMS sink secret, own cluster',
    build: (stack) => {
      const bucket = ExportBucket.fromBucketName(stack, 'Bucket', 'existing-exports', {
        encryptionKeyArn: KMS_KEY_ARN,
      });
      const sink = new S3Sink(stack, 'Sink', {
        name: 's3',
        bucket,
        credentialsFile: writeTempFile(accessKeyDocument()),
        secretEncryptionKeyArn: SECRET_KEY_ARN,
        validateOnDeploy: false,
      });
      new BatchExporter(stack, 'Exporter', {
        stream: DEMO_STREAM,
        sink,
        image: ExporterImage.fromRegistry('public.ecr.aws/example/batch-exporter:1.0.0'),
        network: DEMO_NETWORK,
        clusterArn: 'arn:aws:ecs:eu-west-1:111122223333:cluster/shared',
      });
    },
  },
];

/** Synthesizes every plan and names runtime/Dockerfile. */
export function shippedTargets(): CheckovTargets {
  const plans: { label: string; document: object }[] = [];
  for (const example of EXAMPLES) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `checkov-${example.name}-`));
    try {
      const app: App = example.app(outdir);
      app.synth();
      for (const stack of fs.readdirSync(path.join(outdir, 'stacks'))) {
        const text = fs.readFileSync(path.join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8');
        plans.push({ label: `example ${example.name}`, document: JSON.parse(text) as object });
      }
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }
  try {
    for (const stack of LIBRARY_STACKS)
      plans.push({ label: stack.label, document: synthStack(stack.build).json });
  } finally {
    removeTempFiles();
  }
  return {
    plans,
    dockerfiles: [{ label: 'runtime/Dockerfile', file: path.join(projectRoot(), 'runtime', 'Dockerfile') }],
  };
}
