import * as fs from 'fs';
import * as path from 'path';

import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';

import { ExportBucket } from '../../constructs/bucket/export-bucket';
import { ExporterImage } from '../../constructs/exporter/exporter-image';
import { S3BatchExport } from '../../constructs/s3-batch-export';
import { readOutdir, synthStack, tempOutdir } from '../support/synth';
import {
  accessKeyDocument,
  CANARY_SECRET,
  DEMO_IMAGE_URI,
  DEMO_NETWORK,
  DEMO_STREAM,
  removeTempFiles,
  writeTempFile,
} from './fixtures';

afterAll(removeTempFiles);

/** Every string in a JSON value with the path leading to it. */
function stringsIn(value: unknown, at: string[] = []): Array<{ path: string; text: string }> {
  if (typeof value === 'string') return [{ path: at.join('.'), text: value }];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => stringsIn(child, [...at, key]));
}

/** References to attributes that hold a secret: the key's secret, its SMTP password, the stored credentials. */
const SECRET_ATTRIBUTE =
  /aws_iam_access_key\.[^.}\s]+\.(secret|ses_smtp_password_v4)\b|aws_secretsmanager_secret_version\.[^.}\s]+\.secret_string\b/;

describe('secrets in the synthesized stack', () => {
  test('reference secret-bearing attributes only in the secret version and the validation environment', () => {
    const out = synthStack((stack) => {
      const exportGraph = new S3BatchExport(stack, 'Export', {
        stream: DEMO_STREAM,
        network: DEMO_NETWORK,
        image: ExporterImage.fromRegistry(DEMO_IMAGE_URI),
        prefix: 'events',
        bucketProps: { tags: { team: 'data' } },
        writerOptions: { tags: { team: 'data' } },
        sinkOptions: { tags: { team: 'data' } },
        exporterOptions: { tags: { team: 'data' } },
      });
      new TerraformOutput(stack, 'Bucket', { value: exportGraph.bucket.bucketName });
      new TerraformOutput(stack, 'AccessKeyId', { value: exportGraph.writer!.accessKey!.id });
    });
    const holders = stringsIn(out.json)
      .filter((entry) => SECRET_ATTRIBUTE.test(entry.text))
      .map((entry) => withoutName(entry.path));
    expect(holders.sort()).toEqual([
      'resource.aws_secretsmanager_secret_version.<name>.secret_string',
      'resource.terraform_data.<name>.provisioner.0.local-exec.environment.BATCH_EXPORTER_SINK_CREDENTIALS',
    ]);
    expect(JSON.stringify(out.json.output)).not.toMatch(SECRET_ATTRIBUTE);
    const tags = stringsIn(out.json).filter((entry) => /\.tags\./.test(entry.path));
    expect(tags.length).toBeGreaterThan(0);
    expect(tags.every((entry) => entry.text === 'data')).toBe(true);
  });

  test('keep a credentials file secret out of every synthesized file but the secret version', () => {
    const outdir = tempOutdir();
    try {
      const app = new App({ outdir, stackTraces: false });
      const stack = new TerraformStack(app, 'test');
      new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
      const exportGraph = new S3BatchExport(stack, 'Export', {
        stream: DEMO_STREAM,
        network: DEMO_NETWORK,
        image: ExporterImage.fromRegistry(DEMO_IMAGE_URI),
        bucket: ExportBucket.fromBucketName(stack, 'Bucket', 'strmprivacy-export-demo'),
        credentialsFile: writeTempFile(accessKeyDocument()),
        prefix: 'events',
        sinkOptions: { tags: { team: 'data' } },
      });
      new TerraformOutput(stack, 'Secret', { value: exportGraph.sink.secret!.arn });
      app.synth();

      const files = listFiles(outdir);
      const holding = files.filter((file) => fs.readFileSync(file, 'utf8').includes(CANARY_SECRET));
      expect(holding.map((file) => path.relative(outdir, file))).toEqual([
        path.join('stacks', 'test', 'cdk.tf.json'),
      ]);
      const out = readOutdir(outdir).test;
      const places = stringsIn(out.json).filter((entry) => entry.text.includes(CANARY_SECRET));
      expect(places.map((entry) => withoutName(entry.path))).toEqual([
        'resource.aws_secretsmanager_secret_version.<name>.secret_string',
      ]);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});

/** `resource.<type>.<name>.…` with the generated name replaced, so paths read as types and attributes. */
function withoutName(jsonPath: string): string {
  return jsonPath
    .split('.')
    .map((segment, index) => (index === 2 ? '<name>' : segment))
    .join('.');
}

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? listFiles(full) : [full];
  });
}
