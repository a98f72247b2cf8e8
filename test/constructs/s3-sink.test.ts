import * as os from 'os';
import * as path from 'path';

import { ExportBucket } from '../../constructs/bucket/export-bucket';
import { S3Sink, S3SinkProps } from '../../constructs/sink/s3-sink';
import { SinkWriter, WriterMode } from '../../constructs/writer/sink-writer';
import { accessKeyDocument, CANARY_SECRET, removeTempFiles, writeTempFile } from './fixtures';
import { serviceAccountKeyFile } from '../support/gcs-key';
import { synthStack, SynthesizedStack } from '../support/synth';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function sinkFromFile(file: string, extra: Partial<S3SinkProps> = {}): SynthesizedStack {
  return synthStack((stack) => {
    const bucket = ExportBucket.fromBucketName(stack, 'Bucket', 'strmprivacy-export-demo');
    new S3Sink(stack, 'Sink', { name: 's3', credentialsFile: file, bucket, prefix: 'events', ...extra });
  });
}

afterAll(removeTempFiles);

describe('S3Sink', () => {
  test('stores the writer key in a secret in the create-access-key JSON shape, built by Terraform', () => {
    const out = synthStack((stack) => {
      const bucket = new ExportBucket(stack, 'Bucket');
      const writer = new SinkWriter(stack, 'Writer', { bucket, prefix: 'events' });
      new S3Sink(stack, 'Sink', { name: 's3', writer });
    });
    const key = `aws_iam_access_key.${out.onlyResource('aws_iam_access_key').name}`;
    const secret = out.onlyResource('aws_secretsmanager_secret');
    expect(secret.body).toMatchObject({
      name_prefix: 'batch-exporter/sinks/s3/',
      recovery_window_in_days: 7,
    });
    expect(secret.body.kms_key_id).toBeUndefined();
    expect(out.onlyResource('aws_secretsmanager_secret_version').body).toEqual(
      expect.objectContaining({
        secret_id: `\${aws_secretsmanager_secret.${secret.name}.id}`,
        secret_string:
          `\${jsonencode({"AccessKey" = {"UserName" = ${key}.user, "AccessKeyId" = ${key}.id, ` +
          `"Status" = ${key}.status, "SecretAccessKey" = ${key}.secret, "CreateDate" = ${key}.create_date}})}`,
      }),
    );
  });

  test('validates at deploy time with the runtime, credentials only by reference in the environment', () => {
    const out = synthStack((stack) => {
      const bucket = ExportBucket.fromBucketName(stack, 'Bucket', 'strmprivacy-export-demo');
      const writer = new SinkWriter(stack, 'Writer', { bucket, prefix: 'events' });
      new S3Sink(stack, 'Sink', {
        name: 's3',
        writer,
        region: 'eu-west-1',
        endpoint: 'http://127.0.0.1:5000',
      });
    });
    const version = `aws_secretsmanager_secret_version.${out.onlyResource('aws_secretsmanager_secret_version').name}`;
    const validation = out.onlyResource('terraform_data').body;
    expect(validation.triggers_replace).toEqual({ credentialsVersion: `\${${version}.version_id}` });
    const [provisioner] = validation.provisioner as Array<Record<string, Record<string, unknown>>>;
    expect(provisioner['local-exec']).toMatchObject({
      environment: {
        BATCH_EXPORTER_SINK_BUCKET: 'strmprivacy-export-demo',
        BATCH_EXPORTER_PATH_PREFIX: 'events',
        BATCH_EXPORTER_SINK_REGION: 'eu-west-1',
        BATCH_EXPORTER_SINK_ENDPOINT: 'http://127.0.0.1:5000',
        BATCH_EXPORTER_SINK_CREDENTIALS: `\${${version}.secret_string}`,
      },
    });
    expect(provisioner['local-exec'].command).toBe(
      'npx --no-install batch-exporter validate --retry-seconds 60',
    );
  });

  test('skips the deploy-time validation when opted out', () => {
    const out = sinkFromFile(writeTempFile(accessKeyDocument()), { validateOnDeploy: false });
    expect(out.resources('terraform_data')).toEqual({});
  });

  test('encrypts the secret with the given customer managed key', () => {
    const out = sinkFromFile(writeTempFile(accessKeyDocument()), { secretEncryptionKeyArn: KEY_ARN });
    expect(out.onlyResource('aws_secretsmanager_secret').body.kms_key_id).toBe(KEY_ARN);
  });

  test('puts a credentials file secret only into the secret version, nowhere else', () => {
    const out = sinkFromFile(writeTempFile(accessKeyDocument()), { tags: { team: 'data' } });
    const version = out.onlyResource('aws_secretsmanager_secret_version').body;
    expect(JSON.parse(version.secret_string as string)).toEqual(accessKeyDocument());
    expect(out.text.split(CANARY_SECRET)).toHaveLength(2);
    const json = JSON.parse(out.text);
    delete json.resource.aws_secretsmanager_secret_version[
      out.onlyResource('aws_secretsmanager_secret_version').name
    ].secret_string;
    expect(JSON.stringify(json)).not.toContain(CANARY_SECRET);
  });

  test('rotates by changing only the secret version when the credentials file changes', () => {
    const first = sinkFromFile(writeTempFile(accessKeyDocument()));
    const second = sinkFromFile(
      writeTempFile(
        accessKeyDocument({ AccessKeyId: 'ROTATEDKEYEXAMPLE0001', SecretAccessKey: 'rotatedSecret' }),
      ),
    );
    const versionOf = (out: SynthesizedStack) => out.onlyResource('aws_secretsmanager_secret_version');
    expect(versionOf(first).body.secret_string).not.toEqual(versionOf(second).body.secret_string);
    const withoutValue = (out: SynthesizedStack) => {
      const json = JSON.parse(out.text);
      delete json.resource.aws_secretsmanager_secret_version[versionOf(out).name].secret_string;
      return json;
    };
    expect(withoutValue(first)).toEqual(withoutValue(second));
  });

  test('creates nothing in task-role mode and hands the writer policy to exporters', () => {
    let sink: S3Sink | undefined;
    const out = synthStack((stack) => {
      const bucket = ExportBucket.fromBucketName(stack, 'Bucket', 'strmprivacy-export-demo');
      const writer = new SinkWriter(stack, 'Writer', { bucket, mode: WriterMode.TASK_ROLE });
      sink = new S3Sink(stack, 'Sink', { name: 's3', writer });
    });
    expect(out.json.resource).toBeUndefined();
    expect(sink?.credentials.kind).toBe('task-role');
  });

  describe('credentials file errors', () => {
    const cases: Array<[string, string | object, RegExp]> = [
      [
        'bad JSON',
        '{"AccessKey": {',
        /credentialsFile: sink.credentials \(file .*\) cannot be read: it is not valid JSON/,
      ],
      [
        'a missing field',
        { AccessKey: { UserName: 'u', Status: 'Active' } },
        /AccessKey.AccessKeyId \(file .*\) is missing/,
      ],
      [
        'a Google service account key, the credentials of a GCS sink',
        serviceAccountKeyFile(),
        /credentialsFile: ".*" is the credentials of a GCS sink, not of a S3 one\. Fix: it is a Google service account key: use new GcsSink\(/,
      ],
      [
        'an Inactive key',
        accessKeyDocument({ Status: 'Inactive' }),
        /is "Inactive": this access key AKIAIOSFODNN7EXAMPLE is deactivated/,
      ],
    ];
    test.each(cases)('fails with its own message for %s, without the secret', (_name, content, message) => {
      const file = writeTempFile(content);
      let error: Error | undefined;
      try {
        sinkFromFile(file);
      } catch (caught) {
        error = caught as Error;
      }
      expect(error?.message).toMatch(message);
      expect(error?.message).not.toContain(CANARY_SECRET);
    });

    test('fails naming the missing file and how to create it', () => {
      const missing = path.join(os.tmpdir(), 'no-such-dir-batch-exporter', 's3.json');
      expect(() => sinkFromFile(missing)).toThrow(
        /credentialsFile: .*cannot be read: the file does not exist\. Fix: create it with `aws iam create-access-key/,
      );
    });
  });
});
