/**
 * Every row of docs/scanner-parity.md marked `satisfied` holds on the synthesized JSON of the s3-export
 * example (default settings), and every assertion here belongs to such a row.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { StackGraph } from '../../review/plan/graph';
import { containersOf } from '../../review/plan/ecs';
import { decodeJsonAttribute } from '../../review/plan/encoded-json';
import { policyGrants, refTo } from '../../review/plan/iam';
import { secretReferencesIn } from '../../review/plan/secrets';
import { tlsOnlyBuckets } from '../../review/guards/secure-buckets';
import { s3ExportApp } from '../../examples/s3-export/main';
import { projectRoot } from '../../local/project-root';
import { SECRET_ENVIRONMENT } from '../../runtime/config/environment';
import { readOutdir } from '../support/synth';

interface ParityRow {
  readonly key: string;
  readonly status: string;
}

function parityRows(): ParityRow[] {
  const doc = fs.readFileSync(path.join(projectRoot(), 'docs', 'scanner-parity.md'), 'utf8');
  return doc
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| Key') && !line.startsWith('| ---'))
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .map((cells) => ({ key: cells[1], status: cells[6] }));
}

function synthesizedExample(): StackGraph {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'scanner-parity-'));
  try {
    s3ExportApp({}, outdir).synth();
    return StackGraph.fromJson(readOutdir(outdir)['s3-export'].text);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const graph = synthesizedExample();
const blocks = (type: string) => graph.ofType(type).map((n) => n.block as Record<string, unknown>);
const onBucket = (type: string, bucket: string) =>
  blocks(type).filter((b) => refTo(graph, b.bucket, 'aws_s3_bucket') === bucket);
const buckets = graph.ofType('aws_s3_bucket').map((n) => n.address);
const identityStatements = () =>
  policyGrants(graph)
    .filter((g) => g.principal.kind !== 'resource')
    .flatMap((g) => {
      if (!g.policy.ok) throw new Error(`${g.source} cannot be read: ${g.policy.reason}`);
      return g.policy.statements.filter((s) => s.effect === 'Allow');
    });
const containers = () =>
  graph.ofType('aws_ecs_task_definition').flatMap((n) => {
    const read = containersOf(n);
    if (!read.ok) throw new Error(`${n.address}: ${read.reason}`);
    return read.containers;
  });
const first = <T>(list: T[]): T => {
  expect(list.length).toBeGreaterThan(0);
  return list[0];
};

/** One assertion per `satisfied` row. */
function s3PublicAccessBlock(): void {
  for (const bucket of buckets) {
    expect(first(onBucket('aws_s3_bucket_public_access_block', bucket))).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  }
}

function s3Encryption(): void {
  for (const bucket of buckets) {
    const sse = first(onBucket('aws_s3_bucket_server_side_encryption_configuration', bucket));
    expect(JSON.stringify(sse.rule)).toMatch(/"sse_algorithm":"(AES256|aws:kms)"/);
  }
}

function s3TlsOnly(): void {
  expect([...tlsOnlyBuckets(graph)].sort()).toEqual(buckets);
}

function s3AbortMultipart(): void {
  for (const bucket of buckets) {
    const rules = first(onBucket('aws_s3_bucket_lifecycle_configuration', bucket)).rule as Record<
      string,
      unknown
    >[];
    expect(rules).toContainEqual(
      expect.objectContaining({
        status: 'Enabled',
        abort_incomplete_multipart_upload: [
          expect.objectContaining({ days_after_initiation: expect.any(Number) }),
        ],
      }),
    );
  }
}

function s3AclsDisabled(): void {
  for (const bucket of buckets) {
    expect(first(onBucket('aws_s3_bucket_ownership_controls', bucket)).rule).toEqual({
      object_ownership: 'BucketOwnerEnforced',
    });
  }
}

function s3NoPublicPrincipal(): void {
  const policies = policyGrants(graph).filter((g) => g.source.startsWith('aws_s3_bucket_policy.'));
  expect(policies).toHaveLength(buckets.length);
  for (const p of policies) {
    if (!p.policy.ok) throw new Error(p.policy.reason);
    for (const s of p.policy.statements.filter((st) => Object.values(st.principals).flat().includes('*'))) {
      expect(s.effect).toBe('Deny');
    }
  }
}

function iamNoWildcardActions(): void {
  for (const s of identityStatements()) {
    expect(s.notActions).toEqual([]);
    for (const action of s.actions) expect(action).not.toMatch(/(^\*$|:\*$)/);
  }
}

function iamResourceStarOnlyWhereUnscopable(): void {
  const onStar = identityStatements().filter((s) => s.resources.includes('*'));
  expect(onStar.flatMap((s) => s.actions)).toEqual(['ecr:GetAuthorizationToken']);
}

function iamUserNoConsole(): void {
  expect(graph.ofType('aws_iam_user').length).toBeGreaterThan(0);
  expect(graph.ofType('aws_iam_user_login_profile')).toEqual([]);
}

function iamNoManagedPolicies(): void {
  for (const type of [
    'aws_iam_user_policy_attachment',
    'aws_iam_role_policy_attachment',
    'aws_iam_policy_attachment',
  ]) {
    expect(graph.ofType(type)).toEqual([]);
  }
  for (const role of blocks('aws_iam_role')) expect(role.managed_policy_arns).toBeUndefined();
}

function iamRoleTrustSpecific(): void {
  const trusts = policyGrants(graph).filter((g) => g.attribute === 'assume_role_policy');
  expect(trusts).toHaveLength(graph.ofType('aws_iam_role').length);
  for (const t of trusts) {
    if (!t.policy.ok) throw new Error(t.policy.reason);
    for (const s of t.policy.statements)
      expect(s.principals).toEqual({ Service: ['ecs-tasks.amazonaws.com'] });
  }
}

function providerNoHardcodedKeys(): void {
  const providers = (graph.document.provider as { aws: Record<string, unknown>[] }).aws;
  for (const p of providers) {
    expect(p.access_key).toBeUndefined();
    expect(p.secret_key).toBeUndefined();
  }
}

function ecsNoPlaintextSecrets(): void {
  for (const c of containers()) {
    expect(c.environment.map((e) => e.name)).not.toEqual(expect.arrayContaining([...SECRET_ENVIRONMENT]));
    for (const e of c.environment) expect(secretReferencesIn(graph, e.value)).toEqual([]);
    expect(c.secrets.map((s) => s.name)).toContain('BATCH_EXPORTER_SINK_CREDENTIALS');
  }
}

function ecsSeparateRoles(): void {
  for (const td of blocks('aws_ecs_task_definition')) {
    expect(td.execution_role_arn).toEqual(expect.any(String));
    expect(td.task_role_arn).toEqual(expect.any(String));
    expect(td.execution_role_arn).not.toEqual(td.task_role_arn);
  }
}

function ecsNoPublicIp(): void {
  for (const s of blocks('aws_ecs_service'))
    expect(s.network_configuration).toMatchObject({ assign_public_ip: false });
}

function ecsFargateLatest(): void {
  for (const s of blocks('aws_ecs_service')) expect([undefined, 'LATEST']).toContain(s.platform_version);
}

function ecsLogging(): void {
  for (const c of containers()) expect(c.logConfiguration).toMatchObject({ logDriver: 'awslogs' });
}

function ecsNotPrivileged(): void {
  const raw = blocks('aws_ecs_task_definition').map((td) => String(td.container_definitions));
  expect(raw.length).toBeGreaterThan(0);
  for (const text of raw) expect(text).not.toMatch(/"privileged"\s*:\s*true/);
}

function logsRetention(): void {
  for (const g of blocks('aws_cloudwatch_log_group')) expect(g.retention_in_days).toBeGreaterThan(0);
}

function ecrImmutableTags(): void {
  for (const r of blocks('aws_ecr_repository')) expect(r.image_tag_mutability).toBe('IMMUTABLE');
}

function ecrScanOnPush(): void {
  for (const r of blocks('aws_ecr_repository'))
    expect(r.image_scanning_configuration).toEqual({ scan_on_push: true });
}

function ecsReadonlyRootFilesystem(): void {
  const definitions = blocks('aws_ecs_task_definition').map((td) =>
    decodeJsonAttribute(td.container_definitions),
  );
  expect(definitions.length).toBeGreaterThan(0);
  for (const decoded of definitions) {
    if (!decoded.ok) throw new Error(decoded.reason);
    for (const container of decoded.value as { readonlyRootFilesystem?: boolean }[]) {
      expect(container.readonlyRootFilesystem).toBe(true);
    }
  }
}

/** The assertions by row key. */
const ASSERTIONS: Record<string, () => void> = {
  's3-public-access-block': s3PublicAccessBlock,
  's3-encryption': s3Encryption,
  's3-tls-only': s3TlsOnly,
  's3-abort-multipart': s3AbortMultipart,
  's3-acls-disabled': s3AclsDisabled,
  's3-no-public-principal': s3NoPublicPrincipal,
  'iam-no-wildcard-actions': iamNoWildcardActions,
  'iam-resource-star-only-where-unscopable': iamResourceStarOnlyWhereUnscopable,
  'iam-user-no-console': iamUserNoConsole,
  'iam-no-managed-policies': iamNoManagedPolicies,
  'iam-role-trust-specific': iamRoleTrustSpecific,
  'provider-no-hardcoded-keys': providerNoHardcodedKeys,
  'ecs-no-plaintext-secrets': ecsNoPlaintextSecrets,
  'ecs-separate-roles': ecsSeparateRoles,
  'ecs-no-public-ip': ecsNoPublicIp,
  'ecs-fargate-latest': ecsFargateLatest,
  'ecs-logging': ecsLogging,
  'ecs-not-privileged': ecsNotPrivileged,
  'ecs-readonly-root-filesystem': ecsReadonlyRootFilesystem,
  'logs-retention': logsRetention,
  'ecr-immutable-tags': ecrImmutableTags,
  'ecr-scan-on-push': ecrScanOnPush,
};

describe('scanner parity (docs/scanner-parity.md)', () => {
  const rows = parityRows();
  const satisfied = rows.filter((r) => r.status === 'satisfied').map((r) => r.key);

  test('every row has a known status and every key is unique', () => {
    expect(rows.length).toBeGreaterThan(30);
    for (const row of rows) expect(['satisfied', 'option', 'knowingly not']).toContain(row.status);
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  });

  test('every satisfied row has an assertion, and every assertion a satisfied row', () => {
    expect(Object.keys(ASSERTIONS).sort()).toEqual([...satisfied].sort());
  });

  test('the example creates every resource type the table covers', () => {
    for (const type of [
      'aws_s3_bucket',
      'aws_iam_user',
      'aws_iam_access_key',
      'aws_secretsmanager_secret',
      'aws_ecs_task_definition',
      'aws_cloudwatch_log_group',
      'aws_ecr_repository',
    ]) {
      expect(graph.ofType(type).length).toBeGreaterThan(0);
    }
  });

  test.each(satisfied)('%s holds on the synthesized s3-export example', (key) => {
    const assertion = ASSERTIONS[key];
    expect(assertion).toBeDefined();
    assertion();
  });
});
