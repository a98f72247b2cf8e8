import { decodeJsonAttribute } from '../../../review/plan/encoded-json';
import { StackGraph } from '../../../review/plan/graph';
import { policyGrants, readPolicy } from '../../../review/plan/iam';
import { parseS3Arn } from '../../../review/plan/s3-arn';
import { secretReferencesIn } from '../../../review/plan/secrets';

describe('decodeJsonAttribute', () => {
  test('reads JSON.stringify output with interpolations inside strings', () => {
    expect(decodeJsonAttribute('{"Resource":"${aws_s3_bucket.B.arn}/*.jsonl","n":1}')).toEqual({
      ok: true,
      value: { Resource: '${aws_s3_bucket.B.arn}/*.jsonl', n: 1 },
    });
  });

  test('reads Fn.jsonencode output: keys, references, templates, functions, numbers and keywords', () => {
    const raw =
      '${jsonencode({"Version" = "2012-10-17", "Statement" = [{"Resource" = aws_s3_bucket.B.arn, ' +
      '"Key" = "arn:aws:s3:::${aws_s3_bucket.B.bucket}/p/*.jsonl", "Lower" = lower(var.x), "N" = 5, ' +
      '"T" = true, "Z" = null, "Q" = "say \\"hi\\""}]})}';
    expect(decodeJsonAttribute(raw)).toEqual({
      ok: true,
      value: {
        Version: '2012-10-17',
        Statement: [
          {
            Resource: '${aws_s3_bucket.B.arn}',
            Key: 'arn:aws:s3:::${aws_s3_bucket.B.bucket}/p/*.jsonl',
            Lower: '${lower(var.x)}',
            N: 5,
            T: true,
            Z: null,
            Q: 'say "hi"',
          },
        ],
      },
    });
  });

  test('says why a value only Terraform can compute cannot be read', () => {
    expect(decodeJsonAttribute('${file("policy.json")}')).toEqual({
      ok: false,
      reason: 'it is computed by Terraform from ${file("policy.json")}',
    });
    expect(decodeJsonAttribute('not json')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^it is not JSON: /),
    });
    expect(decodeJsonAttribute('${jsonencode({"a" = )}')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^its jsonencode\(\.\.\.\) expression cannot be read: /),
    });
    expect(decodeJsonAttribute(undefined)).toEqual({ ok: false, reason: 'it is not set' });
  });
});

describe('policyGrants', () => {
  const graph = StackGraph.fromJson({
    data: {
      aws_iam_policy_document: {
        Doc: {
          statement: [
            {
              effect: 'Deny',
              actions: ['s3:*'],
              resources: ['${aws_s3_bucket.B.arn}'],
              principals: [{ type: 'AWS', identifiers: ['*'] }],
              condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
            },
          ],
        },
      },
    },
    resource: {
      aws_s3_bucket: { B: { bucket: 'named-bucket' } },
      aws_s3_bucket_policy: {
        P: { bucket: '${aws_s3_bucket.B.id}', policy: '${data.aws_iam_policy_document.Doc.json}' },
      },
      aws_iam_user: { U: { name: 'u' } },
      aws_iam_role: {
        R: {
          name: 'r',
          assume_role_policy:
            '{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"ecs-tasks.amazonaws.com"}}}',
          inline_policy: [
            {
              name: 'i',
              policy: '{"Statement":[{"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"}]}',
            },
          ],
        },
      },
      aws_iam_policy: {
        M: { policy: '{"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}' },
      },
      aws_iam_user_policy_attachment: {
        A: { user: '${aws_iam_user.U.name}', policy_arn: '${aws_iam_policy.M.arn}' },
        Managed: { user: '${aws_iam_user.U.name}', policy_arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' },
      },
    },
  });

  test('finds inline, attached, managed, trust and resource policies with their principals', () => {
    const grants = policyGrants(graph);
    // Sorted by source, then attribute.
    expect(grants.map((g) => [g.principal.kind, g.principal.address, g.source, g.attribute])).toEqual([
      ['user', 'aws_iam_user.U', 'aws_iam_policy.M', 'policy'],
      ['resource', 'aws_iam_role.R', 'aws_iam_role.R', 'assume_role_policy'],
      ['role', 'aws_iam_role.R', 'aws_iam_role.R', 'inline_policy[0].policy'],
      ['user', 'aws_iam_user.U', 'aws_iam_user_policy_attachment.Managed', 'policy_arn'],
      ['resource', 'aws_s3_bucket.B', 'aws_s3_bucket_policy.P', 'policy'],
    ]);
    const managed = grants.find((g) => g.managedPolicyArn !== undefined);
    expect(managed?.policy).toEqual({
      ok: false,
      reason: 'the managed policy arn:aws:iam::aws:policy/ReadOnlyAccess is not part of the plan',
    });
  });

  test('finds the principal also when it is named by a literal instead of a reference', () => {
    const literal = StackGraph.fromJson({
      resource: {
        aws_iam_user: { U: { name: 'writer' } },
        aws_iam_user_policy: { P: { user: 'writer', policy: '{"Statement":[]}' } },
      },
    });
    expect(policyGrants(literal).map((g) => g.principal)).toEqual([
      { kind: 'user', address: 'aws_iam_user.U' },
    ]);
  });

  test('reads an aws_iam_policy_document data source into policy-JSON terms', () => {
    expect(readPolicy(graph, '${data.aws_iam_policy_document.Doc.json}')).toEqual({
      ok: true,
      statements: [
        {
          sid: undefined,
          effect: 'Deny',
          actions: ['s3:*'],
          notActions: [],
          resources: ['${aws_s3_bucket.B.arn}'],
          notResources: [],
          principals: { AWS: ['*'] },
          conditions: { Bool: { 'aws:SecureTransport': ['false'] } },
        },
      ],
    });
  });

  test('normalizes single values and NotAction', () => {
    const policy = readPolicy(graph, graph.get('aws_iam_policy.M').block.policy);
    expect(policy).toMatchObject({
      ok: true,
      statements: [{ actions: [], notActions: ['iam:*'], resources: ['*'] }],
    });
  });
});

describe('parseS3Arn', () => {
  const graph = StackGraph.fromJson({ resource: { aws_s3_bucket: { B: { bucket: 'named-bucket' } } } });

  test('treats every spelling of a declared bucket as the same bucket', () => {
    for (const arn of [
      '${aws_s3_bucket.B.arn}/p/*.jsonl',
      'arn:aws:s3:::${aws_s3_bucket.B.bucket}/p/*.jsonl',
      'arn:aws:s3:::named-bucket/p/*.jsonl',
    ]) {
      expect(parseS3Arn(graph, arn)).toEqual({ bucket: 'aws_s3_bucket.B', key: 'p/*.jsonl' });
    }
    expect(parseS3Arn(graph, 'arn:aws:s3:::other')).toEqual({ bucket: 'other' });
    expect(parseS3Arn(graph, 'arn:aws:kms:eu-west-1:123456789012:key/abc')).toBeUndefined();
  });
});

describe('secretReferencesIn', () => {
  test('finds secret attributes also through locals and whole-object references', () => {
    const graph = StackGraph.fromJson({
      locals: { creds: '${aws_iam_access_key.K.secret}' },
      resource: { aws_iam_access_key: { K: { user: 'u' } } },
    });
    expect(secretReferencesIn(graph, '${local.creds}')).toEqual([
      { node: 'aws_iam_access_key.K', attribute: 'secret', text: 'aws_iam_access_key.K.secret' },
    ]);
    expect(secretReferencesIn(graph, '${jsonencode(aws_iam_access_key.K)}').map((r) => r.attribute)).toEqual([
      'secret',
      'ses_smtp_password_v4',
    ]);
    expect(secretReferencesIn(graph, '${aws_iam_access_key.K.id}')).toEqual([]);
  });
});
