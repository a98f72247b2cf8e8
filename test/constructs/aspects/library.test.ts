/**
 * The library's own constructs and examples pass every guard rail when synthesized like the CLI does, in
 * both writer modes; a guard rail added to a library stack catches a change made through an escape hatch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Aspects, TerraformStack } from 'cdktf';

import { ExportGuardRails } from '../../../constructs/aspects/aspects';
import { S3BatchExport } from '../../../constructs/s3-batch-export';
import { WriterMode } from '../../../constructs/writer/sink-writer';
import { ExporterImage } from '../../../constructs/exporter/exporter-image';
import { existingBucketApp } from '../../../examples/existing-bucket/main';
import { s3ExportApp } from '../../../examples/s3-export/main';
import { synthApp, synthStack } from '../../support/synth';
function guarded(make: (outdir: string) => ReturnType<typeof s3ExportApp>): string[] {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'guarded-example-'));
  const app = make(outdir);
  const stacks = app.node.children.filter((c): c is TerraformStack => c instanceof TerraformStack);
  for (const stack of stacks) Aspects.of(stack).add(new ExportGuardRails());
  return Object.keys(synthApp(app));
}

function pipeline(stack: TerraformStack, mode: WriterMode): S3BatchExport {
  return new S3BatchExport(stack, 'Export', {
    stream: { name: 'clicks', brokers: ['b-1.kafka.internal:9092'] },
    network: { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] },
    image: ExporterImage.fromRegistry('public.ecr.aws/example/batch-exporter:1.0.0'),
    bucketProps: { bucketName: 'guarded-exports' },
    prefix: 'events',
    writerOptions: { mode },
  });
}

describe('ExportGuardRails on the library', () => {
  test('both examples synthesize with every guard rail applied', () => {
    expect(guarded((outdir) => s3ExportApp({}, outdir))).toEqual(['s3-export']);
    expect(guarded((outdir) => existingBucketApp({}, outdir))).toEqual(['existing-bucket']);
  });

  test.each([WriterMode.ACCESS_KEY, WriterMode.TASK_ROLE])(
    'S3BatchExport in %s mode passes every guard rail',
    (mode) => {
      const stack = synthStack((s) => {
        pipeline(s, mode);
        Aspects.of(s).add(new ExportGuardRails());
      });
      expect(stack.annotationsOf('error')).toEqual([]);
      expect(Object.keys(stack.resources('aws_iam_access_key'))).toHaveLength(
        mode === WriterMode.ACCESS_KEY ? 1 : 0,
      );
    },
  );

  test('fails synth when an escape hatch widens the task role of a task-role-mode exporter', () => {
    expect(() =>
      synthStack((s) => {
        const exp = pipeline(s, WriterMode.TASK_ROLE);
        const policy = exp.exporter.taskRolePolicy!;
        policy.policy = JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
        });
        Aspects.of(s).add(new ExportGuardRails());
      }),
    ).toThrow(
      /\[test\/Export\/Exporter\/TaskRolePolicy\] \[sink-writer-least-privilege\] .*allows the wildcard action "s3:\*"/,
    );
  });
});
