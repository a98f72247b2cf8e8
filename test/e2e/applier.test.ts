import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetUserCommand, GetUserPolicyCommand } from '@aws-sdk/client-iam';
import { HeadBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EcsTaskDefinition } from '@cdktf/provider-aws/lib/ecs-task-definition';
import { IamAccessKey } from '@cdktf/provider-aws/lib/iam-access-key';
import { IamUser } from '@cdktf/provider-aws/lib/iam-user';
import { IamUserPolicy } from '@cdktf/provider-aws/lib/iam-user-policy';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { DataResource, Fn, TerraformStack } from 'cdktf';
import { StackGraph } from '../../review/plan/graph';
import { LocalAws, startMoto } from '../../local';
import { LocalApplier } from '../../local/applier';
import { projectRoot } from '../../local/project-root';
import { ENTRYPOINT } from '../../runtime/image';
import { synthStack } from '../support/synth';

/** The seed's writer graph built from provider resources (what the constructs synthesize, in small). */
function writerPlan(stack: TerraformStack, options: { withSecret?: boolean; withTask?: boolean } = {}) {
  const bucket = new S3Bucket(stack, 'Bucket', { bucketPrefix: 'applier-test-' });
  new S3BucketPublicAccessBlock(stack, 'PublicAccessBlock', {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  const user = new IamUser(stack, 'User', { name: 'applier-writer', path: '/batch-exporter/' });
  const policy = new IamUserPolicy(stack, 'Policy', {
    user: user.name,
    name: 'write',
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: bucket.arn },
        { Effect: 'Allow', Action: ['s3:PutObject'], Resource: `${bucket.arn}/events/*.jsonl` },
      ],
    }),
  });
  const key = new IamAccessKey(stack, 'AccessKey', { user: user.name, dependsOn: [policy] });
  if (options.withSecret === false) return;
  const secret = new SecretsmanagerSecret(stack, 'Secret', { namePrefix: 'sink-', recoveryWindowInDays: 0 });
  new SecretsmanagerSecretVersion(stack, 'Credentials', {
    secretId: secret.id,
    secretString: Fn.jsonencode({
      AccessKey: { UserName: user.name, AccessKeyId: key.id, SecretAccessKey: key.secret, Status: 'Active' },
    }),
  });
  if (options.withTask === true) {
    new EcsTaskDefinition(stack, 'Task', {
      family: 'exporter',
      containerDefinitions: JSON.stringify([
        { name: 'exporter', image: 'x', secrets: [{ name: 'CREDS', valueFrom: secret.arn }] },
      ]),
    });
  }
}

describe('LocalApplier', () => {
  let aws: LocalAws;
  let logDirectory: string;
  const appliers: LocalApplier[] = [];

  const newApplier = async () => {
    const applier = await LocalApplier.create({
      aws,
      entrypoint: ENTRYPOINT,
      workingDirectory: projectRoot(),
      logDirectory,
      httpPortVariable: 'BATCH_EXPORTER_HTTP_PORT',
    });
    appliers.push(applier);
    return applier;
  };

  beforeAll(async () => {
    aws = await startMoto({ enforceIam: true });
    logDirectory = fs.mkdtempSync(path.join(os.tmpdir(), 'applier-test-'));
  });
  afterAll(async () => {
    for (const applier of appliers) await applier.tasks.stopAll();
    await aws?.stop();
    fs.rmSync(logDirectory, { recursive: true, force: true });
  });

  test('creates the writer graph in create order with the policy exactly as synthesized, and enforces it', async () => {
    const graph = StackGraph.fromJson(synthStack((stack) => writerPlan(stack)).json);
    const applier = await newApplier();

    const steps = await applier.apply(graph);

    expect(steps.map((s) => s.address)).toEqual(graph.createOrder());
    expect(steps.every((s) => s.action === 'create')).toBe(true);
    const bucket = String(applier.attribute('aws_s3_bucket.Bucket', 'bucket'));
    expect(bucket).toMatch(/^applier-test-/);
    const { PolicyDocument } = await aws
      .iam()
      .send(new GetUserPolicyCommand({ UserName: 'applier-writer', PolicyName: 'write' }));
    expect(JSON.parse(decodeURIComponent(PolicyDocument!))).toEqual({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['s3:GetBucketLocation'], Resource: `arn:aws:s3:::${bucket}` },
        { Effect: 'Allow', Action: ['s3:PutObject'], Resource: `arn:aws:s3:::${bucket}/events/*.jsonl` },
      ],
    });
    // The plan's provider region (eu-west-1), where the applier created the secret.
    const secrets = new SecretsManagerClient({
      endpoint: aws.endpoint,
      region: 'eu-west-1',
      credentials: aws.adminCredentials,
    });
    const { SecretString } = await secrets.send(
      new GetSecretValueCommand({
        SecretId: String(applier.attribute('aws_secretsmanager_secret.Secret', 'arn')),
      }),
    );
    const { AccessKey } = JSON.parse(SecretString!);
    expect(AccessKey).toMatchObject({ UserName: 'applier-writer', Status: 'Active' });
    expect(AccessKey.AccessKeyId).toBe(applier.attribute('aws_iam_access_key.AccessKey', 'id'));

    const writer = aws.s3({ accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey });
    await writer.send(new PutObjectCommand({ Bucket: bucket, Key: 'events/a.jsonl', Body: '{}\n' }));
    await expect(
      writer.send(new PutObjectCommand({ Bucket: bucket, Key: 'elsewhere/a.jsonl', Body: '{}\n' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });

    const destroyed = await applier.destroy();
    expect(destroyed.map((s) => s.address)).toEqual(graph.destroyOrder());
    expect(destroyed.find((s) => s.address === 'aws_s3_bucket.Bucket')?.action).toBe('keep');
    expect(
      destroyed.find((s) => s.address === 'aws_s3_bucket_public_access_block.PublicAccessBlock')?.action,
    ).toBe('keep');
    await aws.s3().send(new HeadBucketCommand({ Bucket: bucket }));
    await expect(aws.iam().send(new GetUserCommand({ UserName: 'applier-writer' }))).rejects.toThrow(
      /cannot be found/,
    );
  });

  test('refuses to remove a secret that a kept task definition still uses, and changes nothing', async () => {
    const applier = await newApplier();
    const full = synthStack((stack) => {
      new IamUser(stack, 'Marker', { name: 'applier-refusal' });
      const secret = new SecretsmanagerSecret(stack, 'Secret', {
        namePrefix: 'sink-',
        recoveryWindowInDays: 0,
      });
      new EcsTaskDefinition(stack, 'Task', {
        family: 'exporter',
        containerDefinitions: JSON.stringify([
          { name: 'exporter', image: 'x', secrets: [{ name: 'CREDS', valueFrom: secret.arn }] },
        ]),
      });
    }).json;
    await applier.apply(StackGraph.fromJson(full));
    const withoutSecret = JSON.parse(JSON.stringify(full));
    delete withoutSecret.resource.aws_secretsmanager_secret;

    await expect(applier.apply(StackGraph.fromJson(withoutSecret))).rejects.toThrow(
      /refusing to apply stack test: it removes test\/Secret, which test\/Task still uses:\n {2}- aws_secretsmanager_secret.Secret \(test\/Secret\) is still used by aws_ecs_task_definition.Task \(test\/Task\)\nRemove the batch exporter first/,
    );
    expect(applier.appliedAddresses().sort()).toEqual([
      'aws_ecs_task_definition.Task',
      'aws_iam_user.Marker',
      'aws_secretsmanager_secret.Secret',
    ]);
    await applier.destroy();
  });

  test('refuses a plan that changes an applied resource, since it does not update in place', async () => {
    const applier = await newApplier();
    const plan = (team: string) =>
      StackGraph.fromJson(
        synthStack((stack) => new IamUser(stack, 'User', { name: 'applier-changed', tags: { team } })).json,
      );
    await applier.apply(plan('a'));

    await expect(applier.apply(plan('b'))).rejects.toThrow(
      /does not update them in place, and these changed: aws_iam_user.User. Destroy the deployment and apply the new plan. Nothing was changed./,
    );
    await expect(applier.apply(plan('a'))).resolves.toEqual([]);
    await applier.destroy();
  });

  test('a failed apply can be destroyed: what was created before the failure goes, in destroy order', async () => {
    const applier = await newApplier();
    const json = synthStack((stack) => {
      const user = new IamUser(stack, 'User', { name: 'applier-partial' });
      new IamUserPolicy(stack, 'Policy', { user: user.name, name: 'p', policy: 'not a policy document' });
    }).json;

    await expect(applier.apply(StackGraph.fromJson(json))).rejects.toThrow(/aws_iam_user_policy.Policy: /);
    expect(applier.appliedAddresses()).toEqual(['aws_iam_user.User']);
    const destroyed = await applier.destroy();

    expect(destroyed.map((s) => `${s.action} ${s.address}`)).toEqual(['destroy aws_iam_user.User']);
    await expect(aws.iam().send(new GetUserCommand({ UserName: 'applier-partial' }))).rejects.toThrow(
      /cannot be found/,
    );
  });

  test('fails naming every resource type it does not know, before creating anything', async () => {
    const applier = await newApplier();
    const json = synthStack((stack) => new IamUser(stack, 'User', { name: 'never-created' })).json;
    const plan = {
      ...json,
      resource: { ...json.resource, aws_sqs_queue: { Queue: {} }, aws_lambda_function: { Fn: {} } },
    };

    expect(() => applier.plan(StackGraph.fromJson(plan))).toThrow(
      /resource type aws_lambda_function is not known to the local applier \(aws_lambda_function.Fn\)\n {2}- resource type aws_sqs_queue is not known to the local applier \(aws_sqs_queue.Queue\)/,
    );
    await expect(applier.apply(StackGraph.fromJson(plan))).rejects.toThrow(/aws_sqs_queue/);
    await expect(aws.iam().send(new GetUserCommand({ UserName: 'never-created' }))).rejects.toThrow(
      /cannot be found/,
    );
  });

  test('fails clearly on a Terraform function it does not implement', async () => {
    const applier = await newApplier();
    const json = synthStack((stack) => new IamUser(stack, 'User', { name: Fn.upper('shout') })).json;

    await expect(applier.apply(StackGraph.fromJson(json))).rejects.toThrow(
      /aws_iam_user.User: function upper\(\) is not supported by the local applier \(supported: jsonencode\(\)\)/,
    );
  });

  test('fails when a local-exec provisioner fails, with its output and the secret masked', async () => {
    const applier = await newApplier();
    const canary = 'CANARY-secret-value-7f3a9c';
    const json = synthStack(
      (stack) =>
        new DataResource(stack, 'Validation', {
          provisioners: [
            {
              type: 'local-exec',
              command: 'echo "validating with $BATCH_EXPORTER_SINK_CREDENTIALS" && exit 3',
              environment: { BATCH_EXPORTER_SINK_CREDENTIALS: JSON.stringify({ SecretAccessKey: canary }) },
            },
          ],
        }),
    ).json;

    const failure = applier.apply(StackGraph.fromJson(json));
    await expect(failure).rejects.toThrow(
      /terraform_data.Validation: local-exec command .* failed \(exit 3\)/,
    );
    await expect(failure).rejects.toThrow(/validating with <secret>/);
    await expect(failure).rejects.not.toThrow(new RegExp(canary));
  });
});
