import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamAccessKey } from '@cdktf/provider-aws/lib/iam-access-key';
import { IamUser } from '@cdktf/provider-aws/lib/iam-user';
import { IamUserPolicy } from '@cdktf/provider-aws/lib/iam-user-policy';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretVersion } from '@cdktf/provider-aws/lib/secretsmanager-secret-version';
import { Fn, TerraformLocal, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';

import { StackGraph, readSynthOutput } from '../../../review/plan/graph';
import { newTestApp, synthStack } from '../../support/synth';

/** bucket <- policy doc (data) <- user policy -> user <- key <- secret version -> secret. */
function pipelineStack(): StackGraph {
  const synthesized = synthStack((stack) => {
    const scope = new Construct(stack, 'Export');
    const bucket = new S3Bucket(scope, 'Bucket', { bucket: 'graph-test' });
    new S3BucketPublicAccessBlock(scope, 'PublicAccessBlock', { bucket: bucket.id, blockPublicAcls: true });
    const user = new IamUser(scope, 'User', { name: 'writer' });
    const doc = new DataAwsIamPolicyDocument(scope, 'PolicyDocument', {
      statement: [{ actions: ['s3:PutObject'], resources: [`${bucket.arn}/events/*.jsonl`] }],
    });
    new IamUserPolicy(scope, 'Policy', { user: user.name, policy: doc.json });
    const key = new IamAccessKey(scope, 'AccessKey', { user: user.name });
    const secret = new SecretsmanagerSecret(scope, 'Secret', { name: 'sink' });
    new SecretsmanagerSecretVersion(scope, 'SecretValue', {
      secretId: secret.id,
      // References nested inside a function call, as cdktf renders Fn.jsonencode.
      secretString: Fn.jsonencode({ AccessKey: { AccessKeyId: key.id, SecretAccessKey: key.secret } }),
    });
    new TerraformOutput(stack, 'bucket_name', { value: bucket.bucket });
  });
  return StackGraph.fromJson(synthesized.text);
}

function addressOf(graph: StackGraph, type: string): string {
  const [node] = graph.ofType(type);
  return node.address;
}

describe('StackGraph', () => {
  const graph = pipelineStack();
  const bucket = addressOf(graph, 'aws_s3_bucket');
  const user = addressOf(graph, 'aws_iam_user');
  const policy = addressOf(graph, 'aws_iam_user_policy');
  const key = addressOf(graph, 'aws_iam_access_key');
  const secret = addressOf(graph, 'aws_secretsmanager_secret');
  const version = addressOf(graph, 'aws_secretsmanager_secret_version');
  const doc = graph.ofType('aws_iam_policy_document', 'data')[0].address;

  test('reads resources and data sources by Terraform address with their construct paths', () => {
    expect(graph.stackName).toBe('test');
    expect(doc).toMatch(/^data\.aws_iam_policy_document\./);
    expect(graph.get(bucket)).toMatchObject({
      mode: 'managed',
      type: 'aws_s3_bucket',
      constructPath: 'test/Export/Bucket',
    });
    expect(graph.byConstructPath('test/Export/Policy')?.address).toBe(policy);
    expect(graph.underConstruct('test/Export').map((n) => n.address)).toHaveLength(graph.nodes.length);
    expect(graph.countsByType()).toContainEqual({ type: 'aws_s3_bucket', mode: 'managed', count: 1 });
    expect(graph.countsByType()).toContainEqual({ type: 'aws_iam_policy_document', mode: 'data', count: 1 });
  });

  test('finds edges from references, also inside template strings and function calls', () => {
    expect(graph.dependenciesOf(doc)).toEqual([bucket]);
    expect(graph.dependenciesOf(policy)).toEqual([doc, user].sort());
    expect(graph.dependenciesOf(version)).toEqual([key, secret].sort());
    const edge = graph.edges.find((e) => e.from === version && e.to === key);
    expect(edge).toMatchObject({ kind: 'reference' });
    expect(edge?.via).toEqual(expect.arrayContaining([`${key}.id`, `${key}.secret`]));
  });

  test('lists dependents directly and transitively', () => {
    expect(graph.dependentsOf(user)).toEqual([key, policy].sort());
    expect(graph.dependentsOf(bucket, { transitive: true })).toEqual(
      expect.arrayContaining([doc, policy, addressOf(graph, 'aws_s3_bucket_public_access_block')]),
    );
    expect(graph.dependsOn(version, user)).toBe(true);
    expect(graph.dependsOn(user, version)).toBe(false);
  });

  test('creates every node after its dependencies, in the same order every time', () => {
    const order = graph.createOrder();
    expect(order).toHaveLength(graph.nodes.length);
    for (const edge of graph.edges) expect(order.indexOf(edge.to)).toBeLessThan(order.indexOf(edge.from));
    expect(pipelineStack().createOrder()).toEqual(order);
  });

  test('destroys managed resources before what they depend on, and leaves data sources out', () => {
    const order = graph.destroyOrder();
    expect(order).not.toContain(doc);
    expect(order.indexOf(version)).toBeLessThan(order.indexOf(key));
    expect(order.indexOf(version)).toBeLessThan(order.indexOf(secret));
    expect(order.indexOf(key)).toBeLessThan(order.indexOf(user));
    expect(order.indexOf(policy)).toBeLessThan(order.indexOf(bucket));
    expect(order.indexOf(policy)).toBeLessThan(order.indexOf(user));
  });

  test('reads outputs with the nodes they reference', () => {
    expect(graph.outputs).toEqual([
      expect.objectContaining({ name: 'bucket_name', sensitive: false, references: [bucket] }),
    ]);
  });

  test('finds no reference outside a self-contained stack', () => {
    expect(graph.referencesOutsideStack()).toEqual([]);
  });

  test('orders explicit depends_on and follows references through locals', () => {
    const synthesized = synthStack((stack) => {
      const bucket = new S3Bucket(stack, 'Bucket', { bucket: 'locals' });
      const arn = new TerraformLocal(stack, 'bucket_arn', bucket.arn);
      const user = new IamUser(stack, 'User', { name: 'u', dependsOn: [bucket] });
      new IamUserPolicy(stack, 'Policy', {
        user: user.name,
        policy: Fn.jsonencode({ Resource: arn.asString }),
      });
    });
    const g = StackGraph.fromJson(synthesized.text);
    expect(g.edges.find((e) => e.from === 'aws_iam_user.User')).toMatchObject({
      to: 'aws_s3_bucket.Bucket',
      kind: 'depends_on',
    });
    expect(g.dependenciesOf('aws_iam_user_policy.Policy')).toEqual([
      'aws_iam_user.User',
      'aws_s3_bucket.Bucket',
    ]);
    expect(g.createOrder()).toEqual([
      'aws_s3_bucket.Bucket',
      'aws_iam_user.User',
      'aws_iam_user_policy.Policy',
    ]);
    expect(g.destroyOrder()).toEqual([
      'aws_iam_user_policy.Policy',
      'aws_iam_user.User',
      'aws_s3_bucket.Bucket',
    ]);
  });

  test('reports references to resources the document does not declare', () => {
    const g = StackGraph.fromJson({
      resource: {
        aws_iam_user_policy: {
          Policy: {
            user: 'writer',
            policy: '${jsonencode({"Resource" = "${aws_s3_bucket.Elsewhere.arn}/*"})}',
            depends_on: ['aws_iam_user.Missing'],
          },
        },
      },
      output: { key: { value: '${data.aws_caller_identity.Current.account_id}' } },
    });
    expect(g.referencesOutsideStack()).toEqual([
      { from: 'aws_iam_user_policy.Policy', to: 'aws_iam_user.Missing', text: 'aws_iam_user.Missing' },
      {
        from: 'aws_iam_user_policy.Policy',
        to: 'aws_s3_bucket.Elsewhere',
        text: 'aws_s3_bucket.Elsewhere.arn',
      },
      {
        from: 'output.key',
        to: 'data.aws_caller_identity.Current',
        text: 'data.aws_caller_identity.Current.account_id',
      },
    ]);
  });

  test('ignores escaped interpolations, string contents, loop variables and named values', () => {
    const g = StackGraph.fromJson({
      resource: {
        aws_s3_bucket: { B: { bucket: 'b' } },
        aws_iam_user: {
          U: {
            name: '$${aws_s3_bucket.B.id}',
            tags: {
              a: '${"aws_s3_bucket.B.id"}',
              b: '${[for s in var.subnets : s.id]}',
              c: '${each.value.name}-${count.index}-${path.module}',
            },
          },
        },
      },
    });
    expect(g.edges).toEqual([]);
    expect(g.referencesOutsideStack()).toEqual([]);
  });

  test('fails naming the resources of a dependency cycle', () => {
    const g = StackGraph.fromJson({
      resource: {
        aws_iam_user: { A: { name: '${aws_iam_user.B.name}' }, B: { name: '${aws_iam_user.A.name}' } },
        aws_s3_bucket: { Free: { bucket: 'x' } },
      },
    });
    expect(() => g.createOrder()).toThrow(
      'stack stack has a dependency cycle among: aws_iam_user.A, aws_iam_user.B. Terraform cannot plan it',
    );
  });

  test('fails naming the known addresses of a type when an address is missing', () => {
    expect(() => graph.get('aws_s3_bucket.Nope')).toThrow(
      `aws_s3_bucket.Nope is not in stack test; resources of type aws_s3_bucket: ${bucket}`,
    );
  });

  test('fails on text that is not JSON, or JSON that is not a document', () => {
    expect(() => StackGraph.fromJson('{oops', 'x/cdk.tf.json')).toThrow(
      /^x\/cdk\.tf\.json is not valid JSON: /,
    );
    expect(() => StackGraph.fromJson('[1]', 'x/cdk.tf.json')).toThrow(
      'x/cdk.tf.json is not a Terraform JSON document (expected an object at the top level)',
    );
  });
});

describe('readSynthOutput', () => {
  test('reads every stack of a synth output folder through its manifest, and a single cdk.tf.json', () => {
    const app = newTestApp();
    for (const name of ['beta', 'alpha']) {
      const stack = new TerraformStack(app, name);
      new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
      new S3Bucket(stack, 'Bucket', { bucket: name });
    }
    app.synth();
    try {
      expect(readSynthOutput(app.outdir).map((g) => g.stackName)).toEqual(['alpha', 'beta']);
      const single = readSynthOutput(path.join(app.outdir, 'stacks', 'beta', 'cdk.tf.json'));
      expect(single.map((g) => g.nodes.map((n) => n.address))).toEqual([['aws_s3_bucket.Bucket']]);
    } finally {
      fs.rmSync(app.outdir, { recursive: true, force: true });
    }
  });

  test('fails with what to pass when the path is missing or holds no synth output', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'graph-empty-'));
    try {
      expect(() => readSynthOutput(path.join(empty, 'nope'))).toThrow(
        `${path.join(empty, 'nope')} does not exist. Pass a cdktf synth output folder or a cdk.tf.json file.`,
      );
      fs.writeFileSync(path.join(empty, 'manifest.json'), '{"stacks": ');
      expect(() => readSynthOutput(empty)).toThrow(`${path.join(empty, 'manifest.json')} cannot be read: `);
      expect(() => readSynthOutput(empty)).toThrow('Run `cdktf synth` again to rewrite it.');
      fs.rmSync(path.join(empty, 'manifest.json'));
      expect(() => readSynthOutput(empty)).toThrow(
        `${empty} holds no manifest.json, cdk.tf.json or stacks/*/cdk.tf.json.`,
      );
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
