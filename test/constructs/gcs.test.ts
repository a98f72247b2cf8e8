import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member';
import { Aspects, TerraformOutput, TerraformStack } from 'cdktf';

import { gcsExportApp } from '../../examples/gcs-export/main';
import { ExportGuardRails } from '../../constructs/aspects/aspects';
import { ALL_GUARDS } from '../../review/guards';
import { ExportBucket } from '../../constructs/bucket/export-bucket';
import { runReview } from '../../review/cli';
import { BatchExporter } from '../../constructs/exporter/batch-exporter';
import { ExporterImage } from '../../constructs/exporter/exporter-image';
import { GcsExportBucket, IGcsExportBucket } from '../../constructs/gcs/gcs-export-bucket';
import { GcsSink } from '../../constructs/gcs/gcs-sink';
import { GcsSinkWriter } from '../../constructs/gcs/gcs-sink-writer';
import { sinkFromCredentialsFile } from '../../constructs/sink/from-credentials-file';
import { ENVIRONMENT } from '../../runtime/config/environment';
import { loadConfig } from '../../runtime/config/load';
import { sinkTypeOf } from '../../runtime/config/sink-credentials';
import { serviceAccountKeyFile, testPrivateKeyPem } from '../support/gcs-key';
import { synthApp, synthStack, SynthesizedStack, tempOutdir } from '../support/synth';
import {
  accessKeyDocument,
  containerOf,
  DEMO_IMAGE_URI,
  DEMO_NETWORK,
  DEMO_STREAM,
  removeTempFiles,
  writeTempFile,
} from './fixtures';

afterAll(removeTempFiles);

function withGoogle(build: (stack: TerraformStack) => void): SynthesizedStack {
  return synthStack((stack) => {
    new GoogleProvider(stack, 'google', { project: 'strm-export-demo' });
    build(stack);
  });
}

function errorOf(build: () => void): string {
  try {
    build();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

/** The gcs-export example: bucket, writer, sink, exporter. */
function example(): SynthesizedStack {
  return synthApp(gcsExportApp({ EXAMPLE_IMAGE: DEMO_IMAGE_URI }, tempOutdir()))['gcs-export'];
}

describe('GcsExportBucket', () => {
  test('has uniform bucket-level access, public access prevention enforced and no force destroy', () => {
    const out = withGoogle(
      (stack) => new GcsExportBucket(stack, 'Bucket', { bucketName: 'strm-export-demo', location: 'EU' }),
    );
    expect(out.onlyResource('google_storage_bucket').body).toMatchObject({
      name: 'strm-export-demo',
      location: 'EU',
      uniform_bucket_level_access: true,
      public_access_prevention: 'enforced',
      force_destroy: false,
      lifecycle_rule: [{ action: { type: 'AbortIncompleteMultipartUpload' }, condition: { age: 7 } }],
    });
    expect(out.onlyResource('google_storage_bucket').body.retention_policy).toBeUndefined();
  });

  test('keeps objects for retentionDays with an unlocked retention policy when asked', () => {
    const out = withGoogle(
      (stack) =>
        new GcsExportBucket(stack, 'Bucket', {
          bucketName: 'strm-export-demo',
          location: 'EU',
          retentionDays: 30,
        }),
    );
    expect(out.onlyResource('google_storage_bucket').body.retention_policy).toEqual({
      retention_period: 30 * 86_400,
      is_locked: false,
    });
  });

  test('fails on a bad name, a missing location and bad day counts, all at once', () => {
    const message = errorOf(() =>
      withGoogle(
        (stack) =>
          new GcsExportBucket(stack, 'Bucket', {
            bucketName: 'google-Exports',
            location: '',
            retentionDays: 0,
            abortIncompleteMultipartUploadDays: 1.5,
          }),
      ),
    );
    expect(message).toContain('Invalid GcsExportBucket props at "test/Bucket" (4 problems)');
    expect(message).toContain(
      'bucketName: "google-Exports" contains characters other than lowercase letters',
    );
    expect(message).toContain('contains "google" or starts with "goog", which GCS refuses');
    expect(message).toContain('location: "" is required');
    expect(message).toContain('retentionDays: 0 is not a whole number of days of at least 1');
  });
});

describe('GcsSinkWriter', () => {
  test('grants roles/storage.objectCreator on that bucket only, narrowed to <prefix>/*.jsonl by an IAM condition', () => {
    const out = withGoogle((stack) => {
      const bucket = new GcsExportBucket(stack, 'Bucket', { bucketName: 'strm-export-demo', location: 'EU' });
      new GcsSinkWriter(stack, 'Writer', { bucket, prefix: 'events' });
    });
    const bucket = out.onlyResource('google_storage_bucket').name;
    const account = out.onlyResource('google_service_account');
    expect(account.body.account_id).toMatch(/^batch-exporter-[0-9a-f]{12}$/);
    expect(out.onlyResource('google_storage_bucket_iam_member').body).toEqual(
      expect.objectContaining({
        bucket: `\${google_storage_bucket.${bucket}.name}`,
        role: 'roles/storage.objectCreator',
        member: `serviceAccount:\${google_service_account.${account.name}.email}`,
        condition: {
          title: 'batch-exporter-jsonl-under-prefix',
          description: expect.stringContaining('roles/storage.objectCreator'),
          expression:
            `resource.name.startsWith("projects/_/buckets/\${google_storage_bucket.${bucket}.name}/objects/events/") && ` +
            'resource.name.endsWith(".jsonl")',
        },
      }),
    );
    // No project-level role and no other grant.
    expect(out.addresses().filter((a) => a.startsWith('google_project_iam'))).toEqual([]);
    expect(out.addresses().filter((a) => a.includes('iam'))).toHaveLength(1);
  });

  test('without a prefix, the condition covers every .jsonl object of the bucket, never "//"', () => {
    const out = withGoogle((stack) => {
      const bucket = GcsExportBucket.fromBucketName(stack, 'Bucket', 'strm-export-demo');
      new GcsSinkWriter(stack, 'Writer', { bucket });
    });
    expect(
      (out.onlyResource('google_storage_bucket_iam_member').body.condition as Record<string, string>)
        .expression,
    ).toBe(
      'resource.name.startsWith("projects/_/buckets/strm-export-demo/objects/") && resource.name.endsWith(".jsonl")',
    );
  });

  test('fails on an S3 bucket, a bad prefix and a bad account id, all at once', () => {
    const message = errorOf(() =>
      withGoogle((stack) => {
        const s3 = ExportBucket.fromBucketName(stack, 'S3Bucket', 'strmprivacy-export-demo');
        new GcsSinkWriter(stack, 'Writer', {
          bucket: s3 as unknown as IGcsExportBucket,
          prefix: '/events/',
          accountId: 'Batch_Exporter',
        });
      }),
    );
    expect(message).toContain('Invalid GcsSinkWriter props at "test/Writer" (3 problems)');
    expect(message).toContain('bucket: "test/S3Bucket" is not a GCS bucket');
    expect(message).toContain('prefix: "/events/"');
    expect(message).toContain('accountId: "Batch_Exporter" is not a valid service account id');
  });
});

describe('GcsSink', () => {
  test('stores the key file Terraform decodes from the key, after the key (destroyed before it)', () => {
    const out = withGoogle((stack) => {
      const bucket = new GcsExportBucket(stack, 'Bucket', { bucketName: 'strm-export-demo', location: 'EU' });
      const writer = new GcsSinkWriter(stack, 'Writer', { bucket, prefix: 'events' });
      new GcsSink(stack, 'Sink', { name: 'gcs', writer });
    });
    const key = out.onlyResource('google_service_account_key').name;
    expect(out.onlyResource('aws_secretsmanager_secret').body).toMatchObject({
      name_prefix: 'batch-exporter/sinks/gcs/',
      depends_on: [`google_service_account_key.${key}`],
    });
    expect(out.onlyResource('aws_secretsmanager_secret_version').body.secret_string).toBe(
      `\${base64decode(google_service_account_key.${key}.private_key)}`,
    );
    const validation = out.onlyResource('terraform_data').body;
    const [provisioner] = validation.provisioner as Array<
      Record<string, Record<string, Record<string, string>>>
    >;
    expect(provisioner['local-exec'].environment).toEqual({
      [ENVIRONMENT.sinkBucket]: expect.stringContaining('google_storage_bucket.'),
      [ENVIRONMENT.pathPrefix]: 'events',
      [ENVIRONMENT.sinkCredentials]: expect.stringMatching(
        /^\$\{aws_secretsmanager_secret_version\.[^}]+\.secret_string\}$/,
      ),
    });
  });

  test('from an existing key file: validated at synth time, stored only in the secret version', () => {
    const file = writeTempFile(serviceAccountKeyFile(), 'key.json');
    const out = withGoogle((stack) => {
      new GcsSink(stack, 'Sink', {
        name: 'gcs',
        credentialsFile: file,
        bucket: GcsExportBucket.fromBucketName(stack, 'Bucket', 'strm-export-demo'),
        prefix: 'events',
      });
    });
    const stored = JSON.parse(
      out.onlyResource('aws_secretsmanager_secret_version').body.secret_string as string,
    );
    expect(stored).toMatchObject({ type: 'service_account', private_key: testPrivateKeyPem() });
    // The key is in the secret version and nowhere else.
    const line = testPrivateKeyPem().split('\n')[1];
    expect(out.text.split(JSON.stringify(line).slice(1, -1)).length - 1).toBe(1);
  });

  test('fails on an s3.json, naming the sink to use', () => {
    const file = writeTempFile(accessKeyDocument());
    const message = errorOf(() =>
      withGoogle((stack) => {
        new GcsSink(stack, 'Sink', {
          name: 'gcs',
          credentialsFile: file,
          bucket: GcsExportBucket.fromBucketName(stack, 'Bucket', 'strm-export-demo'),
        });
      }),
    );
    expect(message).toContain(
      'is the credentials of a S3 sink, not of a GCS one. Fix: it is an AWS access key',
    );
    expect(message).toContain('use new S3Sink(');
  });

  test('fails on a bad key file with the runtime detection message, without the key', () => {
    const file = writeTempFile(
      { type: 'authorized_user', client_id: 'x', client_secret: testPrivateKeyPem() },
      'key.json',
    );
    const message = errorOf(() =>
      withGoogle((stack) => {
        new GcsSink(stack, 'Sink', {
          name: 'gcs',
          credentialsFile: file,
          bucket: GcsExportBucket.fromBucketName(stack, 'Bucket', 'strm-export-demo'),
        });
      }),
    );
    expect(message).toContain('is a Google user credential ("type": "authorized_user"');
    expect(message).not.toContain(testPrivateKeyPem().split('\n')[1]);
  });
});

describe('sinkFromCredentialsFile', () => {
  test('makes a GCS sink for a service account key and an S3 sink for an s3.json', () => {
    const gcsFile = writeTempFile(serviceAccountKeyFile(), 'key.json');
    const s3File = writeTempFile(accessKeyDocument());
    let types: string[] = [];
    withGoogle((stack) => {
      types = [
        sinkFromCredentialsFile(stack, 'Gcs', {
          name: 'gcs',
          credentialsFile: gcsFile,
          bucketName: 'strm-export-demo',
        }),
        sinkFromCredentialsFile(stack, 'S3', {
          name: 's3',
          credentialsFile: s3File,
          bucketName: 'strmprivacy-export-demo',
        }),
      ].map((sink) => `${sink.constructor.name}:${sink.sinkType}`);
    });
    expect(types).toEqual(['GcsSink:gcs', 'S3Sink:s3']);
  });

  test('fails on a file that is neither, with the detection message', () => {
    const file = writeTempFile('', 'empty.json');
    expect(
      errorOf(() =>
        withGoogle((stack) => {
          sinkFromCredentialsFile(stack, 'Sink', {
            name: 'x',
            credentialsFile: file,
            bucketName: 'strm-export-demo',
          });
        }),
      ),
    ).toContain('is empty; expected either the JSON `aws iam create-access-key` prints');
  });
});

describe('examples/gcs-export', () => {
  const out = example();
  const graph = out.graph();
  const at = (path: string) => {
    const node = graph.byConstructPath(`gcs-export/${path}`);
    if (!node) throw new Error(`no resource at gcs-export/${path}`);
    return node.address;
  };
  const destroyOrder = graph.destroyOrder();
  const before = (first: string, second: string) =>
    destroyOrder.indexOf(first) < destroyOrder.indexOf(second);

  test('destroys exporter → sink → key → grant and service account', () => {
    const sink = ['Sink/Secret', 'Sink/Credentials', 'Sink/DeployValidation/Resource'].map(at);
    for (const part of sink) expect([part, before(at('Exporter/Service'), part)]).toEqual([part, true]);
    for (const part of sink) expect([part, before(part, at('Writer/Key'))]).toEqual([part, true]);
    expect(before(at('Writer/Key'), at('Writer/Grant'))).toBe(true);
    expect(before(at('Writer/Key'), at('Writer/ServiceAccount'))).toBe(true);
    expect(before(at('Writer/Grant'), at('Bucket/Resource'))).toBe(true);
  });

  test('gives the exporter the key only as an ECS secret, which the runtime reads as a GCS sink', () => {
    const { environment, secrets } = containerOf(out.onlyResource('aws_ecs_task_definition').body);
    expect(secrets[ENVIRONMENT.sinkCredentials]).toMatch(/^\$\{aws_secretsmanager_secret\.[^}]+\.arn\}$/);
    expect(environment[ENVIRONMENT.sinkRegion]).toBeUndefined();
    const loaded = loadConfig({
      ...environment,
      [ENVIRONMENT.sinkBucket]: 'strm-export-demo-demo-export',
      [ENVIRONMENT.sinkCredentials]: JSON.stringify(serviceAccountKeyFile()),
    });
    expect(loaded.errors).toBeUndefined();
    expect(sinkTypeOf(loaded.config!.sink.credentials)).toBe('gcs');
  });

  test('passes every guard rail, and outputs no secret', () => {
    expect(ALL_GUARDS.flatMap((guard) => guard(graph))).toEqual([]);
    expect(Object.keys(out.json.output ?? {}).sort()).toEqual([
      'BucketName',
      'ExporterName',
      'WriterServiceAccount',
    ]);
    expect(JSON.stringify(out.json.output)).not.toContain('private_key');
  });
});

describe('guard rails on GCS', () => {
  function guarded(build: (stack: TerraformStack) => void): string[] {
    const out = withGoogle((stack) => {
      Aspects.of(stack).add(new ExportGuardRails());
      build(stack);
    });
    return out.annotationsOf('error').map((a) => a.message);
  }

  function failing(build: (stack: TerraformStack) => void): string {
    return errorOf(() => guarded(build));
  }

  function sinkStack(stack: TerraformStack): GcsSinkWriter {
    const bucket = new GcsExportBucket(stack, 'Bucket', { bucketName: 'strm-export-demo', location: 'EU' });
    const writer = new GcsSinkWriter(stack, 'Writer', { bucket, prefix: 'events' });
    new GcsSink(stack, 'Sink', { name: 'gcs', writer, validateOnDeploy: false });
    return writer;
  }

  test('pass the constructs as they are', () => {
    expect(guarded(sinkStack)).toEqual([]);
  });

  test('fail on a project-level role, a wider role and a grant without the condition for the sink writer', () => {
    const message = failing((stack) => {
      const writer = sinkStack(stack);
      const member = `serviceAccount:${writer.serviceAccountEmail}`;
      new ProjectIamMember(stack, 'ProjectAdmin', {
        project: 'strm-export-demo',
        role: 'roles/storage.admin',
        member,
      });
      new StorageBucketIamMember(stack, 'Viewer', {
        bucket: writer.bucket.bucketName,
        role: 'roles/storage.objectViewer',
        member,
      });
      new StorageBucketIamMember(stack, 'Everywhere', {
        bucket: writer.bucket.bucketName,
        role: 'roles/storage.objectCreator',
        member,
      });
    });
    expect(message).toMatch(
      /\[sink-writer-least-privilege\] test\/ProjectAdmin .*grants roles\/storage\.admin on the whole project to the GCS sink writer/,
    );
    expect(message).toMatch(
      /\[sink-writer-least-privilege\] test\/Viewer .*grants roles\/storage\.objectViewer to the GCS sink writer/,
    );
    expect(message).toMatch(
      /\[sink-writer-least-privilege\] test\/Everywhere .*grants roles\/storage\.objectCreator on every object of the bucket \(no IAM condition\)/,
    );
  });

  test('fail on a bucket without the secure defaults, a public grant, and the key in an output', () => {
    const message = failing((stack) => {
      const writer = sinkStack(stack);
      const bucket = (writer.bucket as GcsExportBucket).resource;
      bucket.uniformBucketLevelAccess = false;
      bucket.publicAccessPrevention = 'inherited';
      new StorageBucketIamMember(stack, 'Public', {
        bucket: bucket.name,
        role: 'roles/storage.objectViewer',
        member: 'allUsers',
      });
      new TerraformOutput(stack, 'Key', { value: writer.key.privateKey, sensitive: true });
    });
    expect(message).toContain('does not enable uniform bucket-level access');
    expect(message).toContain('has public_access_prevention "inherited", so it can be made public');
    expect(message).toContain('grants roles/storage.objectViewer to allUsers');
    expect(message).toMatch(
      /\[no-plaintext-secrets\] .*the output exposes the secret google_service_account_key\./,
    );
    expect(message).toMatch(
      /\[no-plaintext-secrets\] .*its private key is used outside the sink secret, by output\.Key/,
    );
  });

  test('fail on a writer condition that does not pin the prefix', () => {
    const message = failing((stack) => {
      const writer = sinkStack(stack);
      writer.grant.putCondition({ title: 'any', expression: 'resource.name.endsWith(".jsonl")' });
    });
    expect(message).toContain(
      'with the condition "resource.name.endsWith(\\".jsonl\\")", which does not pin the prefix',
    );
  });

  test('an exporter on a GCS sink gets the secret by reference and no S3 permission', () => {
    const out = withGoogle((stack) => {
      const writer = sinkStack(stack);
      const sink = stack.node.findChild('Sink') as GcsSink;
      new BatchExporter(stack, 'Exporter', {
        stream: DEMO_STREAM,
        sink,
        image: ExporterImage.fromRegistry(DEMO_IMAGE_URI),
        network: DEMO_NETWORK,
      });
      expect(writer.prefix).toBe('events');
    });
    expect(out.text).not.toContain('s3:PutObject');
    expect(out.annotationsOf('error')).toEqual([]);
  });
});

describe('review of a GCS sink built from a key file', () => {
  test('never prints the private key, in text, JSON, SVG or Mermaid, also when a guard fails', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gcs-review-'));
    try {
      const file = writeTempFile(serviceAccountKeyFile(), 'key.json');
      const out = withGoogle((stack) => {
        const sink = new GcsSink(stack, 'Sink', {
          name: 'gcs',
          credentialsFile: file,
          bucket: GcsExportBucket.fromBucketName(stack, 'Bucket', 'strm-export-demo'),
        });
        // A guard failure that involves the key: the secret version's value as an output.
        new TerraformOutput(stack, 'Leak', { value: sink.secretVersion.secretString, sensitive: true });
      });
      const keyLines = testPrivateKeyPem()
        .split('\n')
        .filter((line) => line.length > 20 && !line.startsWith('-----'));
      expect(out.text).toContain(keyLines[0]);
      const plan = path.join(dir, 'cdk.tf.json');
      fs.writeFileSync(plan, out.text);
      const printed: string[] = [];
      const io = { stdout: (t: string) => printed.push(t), stderr: (t: string) => printed.push(t) };
      expect(await runReview([plan, '--out', path.join(dir, 'out')], io)).toBe(1);
      expect(await runReview([plan, '--json'], io)).toBe(1);
      const everything = [
        ...printed,
        ...fs
          .readdirSync(path.join(dir, 'out'))
          .map((f) => fs.readFileSync(path.join(dir, 'out', f), 'utf8')),
      ].join('\n');
      expect(everything).toContain('the output exposes the secret');
      for (const line of keyLines) expect(everything).not.toContain(line);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
