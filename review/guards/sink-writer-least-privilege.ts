/**
 * Guard: a sink writer may do exactly what the seed grants (seed "2. Create the necessary credentials"):
 * `s3:GetBucketLocation` on the bucket and `s3:PutObject` on `bucket/prefix/*.jsonl`, plus
 * `kms:GenerateDataKey` on the bucket's own KMS key when the bucket encrypts with one. Nothing else: no
 * wildcard action, no `NotAction`/`NotResource`, no other bucket, no wider key pattern, no managed policy.
 */
import { traversalsIn } from '../plan/expressions';
import { exporterTaskDefinitions } from '../plan/ecs';
import { StackGraph } from '../plan/graph';
import { NormalizedStatement, PolicyGrant, policyGrants, refOrNamed, refTo } from '../plan/iam';
import { hasWildcard, parseS3Arn } from '../plan/s3-arn';
import { secretUses } from '../plan/secrets';
import { findingAt, GuardFinding, sortFindings } from './finding';

/** The only actions a sink writer needs, lower-cased for IAM's case-insensitive comparison. */
const BUCKET_ACTION = 's3:getbucketlocation';
const OBJECT_ACTION = 's3:putobject';
/** With SSE-KMS, S3 asks KMS for a data key in the writer's name; nothing else is needed for PutObject. */
const KMS_ACTIONS = new Set(['kms:generatedatakey']);

/** A principal the guard treats as a sink writer, and why. */
export interface SinkWriterPrincipal {
  readonly address: string;
  readonly why: string;
}

const RULE = 'sink-writer-least-privilege';

/**
 * The sink writers of a stack: users whose access key's secret fills a Secrets Manager secret (the sink),
 * task roles of batch-exporter tasks (task-role mode), and any user or role allowed to put `*.jsonl` objects.
 */
export function findSinkWriters(
  graph: StackGraph,
  grants: readonly PolicyGrant[] = policyGrants(graph),
): SinkWriterPrincipal[] {
  const writers = new Map<string, string>();
  for (const use of secretUses(graph)) {
    const key = graph.node(use.reference.node);
    const user =
      key?.type === 'aws_iam_access_key' ? refOrNamed(graph, key.block.user, 'aws_iam_user') : undefined;
    if (user !== undefined && graph.node(use.by)?.type === 'aws_secretsmanager_secret_version') {
      writers.set(user, writers.get(user) ?? `its access key's secret is stored in ${use.by}`);
    }
  }
  for (const { taskDefinition } of exporterTaskDefinitions(graph)) {
    const role = refTo(graph, taskDefinition.block.task_role_arn, 'aws_iam_role');
    if (role !== undefined)
      writers.set(role, writers.get(role) ?? `it is the task role of exporter ${taskDefinition.address}`);
  }
  for (const grant of grants) {
    if (grant.principal.kind !== 'user' && grant.principal.kind !== 'role') continue;
    if (!grant.policy.ok || writers.has(grant.principal.address)) continue;
    const writesJsonl = grant.policy.statements.some(
      (s) =>
        s.effect === 'Allow' &&
        s.actions.some((a) => a.toLowerCase() === OBJECT_ACTION) &&
        s.resources.some((r) => r.endsWith('.jsonl')),
    );
    if (writesJsonl) writers.set(grant.principal.address, 'it may put *.jsonl objects');
  }
  return [...writers.entries()]
    .map(([address, why]) => ({ address, why }))
    .sort((a, b) => (a.address < b.address ? -1 : 1));
}

/** Every grant to a sink writer beyond the seed's least privilege. */
export function checkSinkWriterLeastPrivilege(graph: StackGraph): GuardFinding[] {
  const grants = policyGrants(graph);
  const findings: GuardFinding[] = [];
  for (const writer of findSinkWriters(graph, grants)) {
    // Resource policies on the writer (a role's trust policy) say who may be it, not what it may do.
    for (const grant of grants.filter(
      (g) => g.principal.address === writer.address && g.principal.kind !== 'resource',
    )) {
      findings.push(...checkGrant(graph, writer, grant));
    }
  }
  return sortFindings(findings);
}

/** The problems of one statement of a writer's grant, as text (empty when it is within least privilege). */
export function statementProblems(
  graph: StackGraph,
  statement: NormalizedStatement,
  writerKmsKeys: ReadonlySet<string>,
): string[] {
  if (statement.effect === 'Deny') return [];
  const problems: string[] = [];
  if (statement.notActions.length > 0) {
    problems.push(`allows every action except ${list(statement.notActions)} (NotAction)`);
  }
  if (statement.notResources.length > 0) {
    problems.push(`applies to every resource except ${list(statement.notResources)} (NotResource)`);
  }
  for (const action of statement.actions) {
    const lower = action.toLowerCase();
    if (hasWildcard(action)) {
      problems.push(`allows the wildcard action "${action}"`);
    } else if (lower === BUCKET_ACTION) {
      for (const r of statement.resources) {
        const arn = parseS3Arn(graph, r);
        if (arn === undefined || arn.key !== undefined || hasWildcard(r)) {
          problems.push(`allows ${action} on "${r}", which is not one bucket's ARN`);
        }
      }
    } else if (lower === OBJECT_ACTION) {
      for (const r of statement.resources) {
        const why = objectResourceProblem(graph, r);
        if (why !== undefined) problems.push(`allows ${action} on "${r}": ${why}`);
      }
    } else if (KMS_ACTIONS.has(lower)) {
      for (const r of statement.resources) {
        const key = traversalsIn(r).find((t) => graph.node(t.root)?.type === 'aws_kms_key')?.root;
        if (hasWildcard(r) || !/^(\$\{[^}]+\}|arn:[^:]+:kms:[^:]+:\d{12}:key\/[\w-]+)$/.test(r)) {
          problems.push(`allows ${action} on "${r}", which is not one KMS key's ARN`);
        } else if (key !== undefined && !writerKmsKeys.has(key)) {
          problems.push(`allows ${action} on ${key}, which does not encrypt the writer's bucket`);
        }
      }
    } else {
      problems.push(`allows ${action}, which a sink writer does not need`);
    }
  }
  return problems;
}

function checkGrant(graph: StackGraph, writer: SinkWriterPrincipal, grant: PolicyGrant): GuardFinding[] {
  const at = (problem: string, fix: string) =>
    findingAt(graph, RULE, grant.source, `sink writer ${writer.address} (${writer.why}): ${problem}`, fix);
  const fix =
    'grant exactly s3:GetBucketLocation on arn:aws:s3:::BUCKET and s3:PutObject on arn:aws:s3:::BUCKET/PREFIX/*.jsonl ' +
    "(plus kms:GenerateDataKey on the bucket's own KMS key), e.g. with SinkWriter or leastPrivilegePolicy()";
  if (grant.managedPolicyArn !== undefined) {
    return [
      at(
        `has the managed policy ${grant.managedPolicyArn} attached, whose permissions the plan cannot show`,
        `detach it and ${fix}`,
      ),
    ];
  }
  if (!grant.policy.ok) {
    return [
      at(
        `its policy ${grant.attribute} cannot be checked: ${grant.policy.reason}`,
        `write it with JSON.stringify or Fn.jsonencode and ${fix}`,
      ),
    ];
  }
  const kmsKeys = writerBucketKeys(graph, grant.policy.statements);
  const findings = grant.policy.statements.flatMap((s) =>
    statementProblems(graph, s, kmsKeys).map((p) => at(p, fix)),
  );
  const buckets = new Set<string>();
  for (const s of grant.policy.statements.filter((st) => st.effect === 'Allow')) {
    for (const r of s.resources) {
      const arn = parseS3Arn(graph, r);
      if (arn !== undefined) buckets.add(arn.bucket);
    }
  }
  if (buckets.size > 1) findings.push(at(`names more than one bucket: ${list([...buckets].sort())}`, fix));
  return findings;
}

/** Why an object ARN is wider than `bucket/prefix/*.jsonl`, or `undefined` when it is exactly that shape. */
function objectResourceProblem(graph: StackGraph, resource: string): string | undefined {
  const arn = parseS3Arn(graph, resource);
  if (arn === undefined) return 'it is not an S3 object ARN';
  if (arn.key === undefined) return 'it is the bucket, not objects in it';
  if (!arn.key.endsWith('*.jsonl')) return 'it is not limited to *.jsonl objects';
  const prefix = arn.key.slice(0, -'*.jsonl'.length);
  if (hasWildcard(prefix)) return `its prefix "${prefix}" contains a wildcard`;
  if (hasWildcard(arn.bucket)) return 'its bucket name contains a wildcard';
  if (prefix !== '' && !prefix.endsWith('/')) return `"${prefix}*.jsonl" also matches keys beside the prefix`;
  if (prefix.includes('//') || prefix.startsWith('/'))
    return 'it contains "//", which S3 keys written by the exporter never match';
  return undefined;
}

/** The KMS keys that encrypt the buckets a writer's statements name (by SSE configuration). */
export function writerBucketKeys(graph: StackGraph, statements: readonly NormalizedStatement[]): Set<string> {
  const buckets = new Set<string>();
  for (const s of statements)
    for (const r of s.resources) {
      const arn = parseS3Arn(graph, r);
      if (arn !== undefined) buckets.add(arn.bucket);
    }
  const keys = new Set<string>();
  for (const sse of graph.ofType('aws_s3_bucket_server_side_encryption_configuration')) {
    const bucket = refTo(graph, sse.block.bucket, 'aws_s3_bucket');
    if (bucket === undefined || !buckets.has(bucket)) continue;
    for (const t of traversalsIn(sse.block.rule)) {
      if (graph.node(t.root)?.type === 'aws_kms_key') keys.add(t.root);
    }
  }
  return keys;
}

function list(values: readonly string[]): string {
  return values.map((v) => `"${v}"`).join(', ');
}
