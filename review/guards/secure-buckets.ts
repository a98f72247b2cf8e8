/**
 * Guard: every bucket the stack creates has the secure defaults of issue 4 (and of the scanners, see
 * docs/scanner-parity.md): all four public-access-block flags, default server-side encryption, a bucket
 * policy that denies requests without TLS, and a lifecycle rule that aborts incomplete multipart uploads.
 * Buckets the stack only reads (existing buckets) are their owner's to secure and are not checked.
 */
import { StackGraph } from '../plan/graph';
import { policyGrants, refTo } from '../plan/iam';
import { bucketNodeNamed, parseS3Arn } from '../plan/s3-arn';
import { findingAt, GuardFinding, sortFindings } from './finding';

const RULE = 'secure-bucket';

export const PUBLIC_ACCESS_FLAGS = [
  'block_public_acls',
  'block_public_policy',
  'ignore_public_acls',
  'restrict_public_buckets',
] as const;

const SSE_ALGORITHMS = new Set(['AES256', 'aws:kms', 'aws:kms:dsse']);

/** Every managed bucket's missing secure default. */
export function checkSecureBuckets(graph: StackGraph): GuardFinding[] {
  const findings: GuardFinding[] = [];
  const forBucket = (type: string, bucket: string) =>
    graph.ofType(type).filter((n) => bucketOf(graph, n.block.bucket) === bucket);
  const tlsDenied = tlsOnlyBuckets(graph);

  for (const bucket of graph.ofType('aws_s3_bucket')) {
    const at = (problem: string, fix: string) => findingAt(graph, RULE, bucket.address, problem, fix);

    const blocks = forBucket('aws_s3_bucket_public_access_block', bucket.address);
    const missingFlags = PUBLIC_ACCESS_FLAGS.filter((flag) => !blocks.some((b) => b.block[flag] === true));
    if (blocks.length === 0) {
      findings.push(
        at(
          'has no public access block',
          `add an aws_s3_bucket_public_access_block for it with ${PUBLIC_ACCESS_FLAGS.join(', ')} all true (ExportBucket does)`,
        ),
      );
    } else if (missingFlags.length > 0) {
      findings.push(
        at(
          `its public access block does not set ${missingFlags.join(', ')} to true`,
          `set ${missingFlags.join(', ')} to true on ${blocks[0].address}`,
        ),
      );
    }

    const encryption = forBucket('aws_s3_bucket_server_side_encryption_configuration', bucket.address);
    const algorithms = encryption.flatMap((e) =>
      asList(e.block.rule).flatMap((r) =>
        asList((r as Record<string, unknown>).apply_server_side_encryption_by_default).map(
          (d) => (d as Record<string, unknown>).sse_algorithm,
        ),
      ),
    );
    if (!algorithms.some((a) => typeof a === 'string' && SSE_ALGORITHMS.has(a))) {
      findings.push(
        at(
          encryption.length === 0
            ? 'has no default server-side encryption configuration'
            : `its default encryption algorithm ${JSON.stringify(algorithms)} is not AES256 or aws:kms`,
          'add an aws_s3_bucket_server_side_encryption_configuration with sse_algorithm AES256 or aws:kms',
        ),
      );
    }

    if (!tlsDenied.has(bucket.address)) {
      findings.push(
        at(
          'has no bucket policy denying requests without TLS',
          'add an aws_s3_bucket_policy with a Deny statement for s3:* on the bucket and bucket/* when ' +
            'aws:SecureTransport is "false" (ExportBucket does)',
        ),
      );
    }

    const lifecycles = forBucket('aws_s3_bucket_lifecycle_configuration', bucket.address);
    const aborts = lifecycles.some((l) =>
      asList(l.block.rule).some((r) => {
        const rule = r as Record<string, unknown>;
        return rule.status === 'Enabled' && asList(rule.abort_incomplete_multipart_upload).length > 0;
      }),
    );
    if (!aborts) {
      findings.push(
        at(
          'has no enabled lifecycle rule aborting incomplete multipart uploads',
          'add an aws_s3_bucket_lifecycle_configuration rule with status "Enabled" and ' +
            'abort_incomplete_multipart_upload { days_after_initiation = 7 } (ExportBucket does)',
        ),
      );
    }
  }
  return sortFindings(findings);
}

/** Buckets whose bucket policy denies every S3 action on the bucket and its objects without TLS. */
export function tlsOnlyBuckets(graph: StackGraph): Set<string> {
  const out = new Set<string>();
  for (const grant of policyGrants(graph)) {
    if (!grant.source.startsWith('aws_s3_bucket_policy.') || !grant.policy.ok) continue;
    const policyBucket = grant.principal.address;
    for (const s of grant.policy.statements) {
      const denyAll =
        s.effect === 'Deny' && s.actions.some((a) => a === 's3:*' || a === '*') && s.notActions.length === 0;
      const insecure = Object.entries(s.conditions).some(
        ([op, byKey]) => op === 'Bool' && (byKey['aws:SecureTransport'] ?? []).includes('false'),
      );
      const arns = s.resources.map((r) => parseS3Arn(graph, r)).filter((a) => a?.bucket === policyBucket);
      const coversBucket = arns.some((a) => a?.key === undefined);
      const coversObjects = arns.some((a) => a?.key === '*');
      if (denyAll && insecure && coversBucket && coversObjects) out.add(policyBucket);
    }
  }
  return out;
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The declared bucket a `bucket` attribute names: by reference, or by its literal name. */
function bucketOf(graph: StackGraph, raw: unknown): string | undefined {
  return (
    refTo(graph, raw, 'aws_s3_bucket') ?? (typeof raw === 'string' ? bucketNodeNamed(graph, raw) : undefined)
  );
}
