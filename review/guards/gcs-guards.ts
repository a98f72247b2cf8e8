/**
 * The guard rails for Google Cloud Storage sinks (the GCS counterparts of sink-writer-least-privilege,
 * secure-buckets and no-plaintext-secrets), over the same synthesized graph:
 *
 * - a GCS sink writer (a service account whose key fills a sink secret) holds exactly
 *   `roles/storage.objectCreator`, on one bucket, with the IAM condition of runtime/config/gcs-policy.ts
 *   (objects under the prefix ending in `.jsonl`); no project-level role, no other role;
 * - every GCS bucket the stack creates has uniform bucket-level access and public access prevention
 *   enforced, and no bucket is granted to allUsers or allAuthenticatedUsers;
 * - a service account key's private key is consumed only by the sink's secret version.
 */
import { GCS_WRITER_ROLE } from '../../runtime/config/gcs-policy';
import { gcsGrants, gcsWriters, grantsTo, PUBLIC_MEMBERS } from '../plan/gcs-iam';
import { StackGraph } from '../plan/graph';
import { secretUses } from '../plan/secrets';
import { findingAt, GuardFinding, sortFindings } from './finding';

/** `resource.name.startsWith("projects/_/buckets/<bucket>/objects/<prefix>") && resource.name.endsWith(".jsonl")`. */
const WRITER_CONDITION =
  /^resource\.name\.startsWith\("projects\/_\/buckets\/(.+?)\/objects\/([^"*]*)"\) && resource\.name\.endsWith\("\.jsonl"\)$/;

/** Every GCS sink writer's grant beyond objectCreator on its bucket under the prefix. */
export function checkGcsWriterLeastPrivilege(graph: StackGraph): GuardFinding[] {
  const rule = 'sink-writer-least-privilege';
  const findings: GuardFinding[] = [];
  const grants = gcsGrants(graph);
  for (const writer of gcsWriters(graph)) {
    const mine = grants.filter((g) => grantsTo(graph, g, writer.address));
    const at = (address: string, problem: string, fix: string) =>
      findingAt(graph, rule, address, `${problem} to the GCS sink writer ${writer.address}`, fix);
    for (const grant of mine) {
      if (grant.unreadable !== undefined) {
        findings.push(
          at(grant.address, `grants a role (${grant.unreadable})`, 'grant the writer with GcsSinkWriter'),
        );
        continue;
      }
      if (grant.scope === 'project') {
        findings.push(
          at(
            grant.address,
            `grants ${grant.role} on the whole project`,
            `grant only ${GCS_WRITER_ROLE} on the export bucket, with the prefix condition (GcsSinkWriter does)`,
          ),
        );
        continue;
      }
      if (grant.role !== GCS_WRITER_ROLE) {
        findings.push(
          at(
            grant.address,
            `grants ${grant.role}`,
            `grant ${GCS_WRITER_ROLE} (storage.objects.create only) instead: the exporter never reads, lists, overwrites or deletes`,
          ),
        );
        continue;
      }
      const match = WRITER_CONDITION.exec(grant.condition?.expression ?? '');
      if (match === null) {
        findings.push(
          at(
            grant.address,
            grant.condition === undefined
              ? `grants ${GCS_WRITER_ROLE} on every object of the bucket (no IAM condition)`
              : `grants ${GCS_WRITER_ROLE} with the condition ${JSON.stringify(grant.condition.expression)}, which does not pin the prefix and the .jsonl suffix`,
            'add the condition resource.name.startsWith("projects/_/buckets/<bucket>/objects/<prefix>/") && ' +
              'resource.name.endsWith(".jsonl") (GcsSinkWriter does)',
          ),
        );
      } else if (match[1] !== grant.bucket) {
        findings.push(
          at(
            grant.address,
            `grants ${GCS_WRITER_ROLE} on bucket ${grant.bucket} with a condition naming bucket ${match[1]}`,
            'name the granted bucket in the condition',
          ),
        );
      } else if (match[2] !== '' && !match[2].endsWith('/')) {
        findings.push(
          at(
            grant.address,
            `grants ${GCS_WRITER_ROLE} under "${match[2]}", which also matches sibling prefixes (no trailing "/")`,
            `end the prefix in the condition with "/": "${match[2]}/"`,
          ),
        );
      }
    }
    const buckets = new Set(mine.filter((g) => g.scope === 'bucket').map((g) => g.bucket));
    if (buckets.size > 1) {
      findings.push(
        findingAt(
          graph,
          rule,
          writer.address,
          `the GCS sink writer is granted on ${buckets.size} buckets (${[...buckets].join(', ')})`,
          'give each sink its own writer and bucket',
        ),
      );
    }
  }
  return sortFindings(findings);
}

/** Every GCS bucket's missing secure default, and every public grant on a bucket. */
export function checkSecureGcsBuckets(graph: StackGraph): GuardFinding[] {
  const rule = 'secure-bucket';
  const findings: GuardFinding[] = [];
  for (const bucket of graph.ofType('google_storage_bucket')) {
    if (bucket.block.uniform_bucket_level_access !== true) {
      findings.push(
        findingAt(
          graph,
          rule,
          bucket.address,
          'does not enable uniform bucket-level access, so object ACLs can grant access around IAM',
          'set uniform_bucket_level_access = true (GcsExportBucket does)',
        ),
      );
    }
    if (bucket.block.public_access_prevention !== 'enforced') {
      findings.push(
        findingAt(
          graph,
          rule,
          bucket.address,
          `has public_access_prevention ${JSON.stringify(bucket.block.public_access_prevention ?? 'inherited')}, so it can be made public`,
          'set public_access_prevention = "enforced" (GcsExportBucket does)',
        ),
      );
    }
  }
  for (const grant of gcsGrants(graph)) {
    const open = grant.members.filter((m) => PUBLIC_MEMBERS.includes(m));
    if (grant.scope === 'bucket' && open.length > 0) {
      findings.push(
        findingAt(
          graph,
          rule,
          grant.address,
          `grants ${grant.role} to ${open.join(' and ')}: the bucket's objects become public`,
          'remove the grant; give named service accounts access instead',
        ),
      );
    }
  }
  return sortFindings(findings);
}

/** A service account key's private key consumed by anything but the sink secret, or by nothing. */
export function checkGcsKeysStored(graph: StackGraph): GuardFinding[] {
  const rule = 'no-plaintext-secrets';
  const findings: GuardFinding[] = [];
  const uses = secretUses(graph);
  const fix = "store the key only in the sink's Secrets Manager secret (GcsSink does)";
  for (const key of graph.ofType('google_service_account_key')) {
    const keyUses = uses.filter((u) => u.reference.node === key.address);
    const stray = keyUses.filter(
      (u) =>
        !(graph.node(u.by)?.type === 'aws_secretsmanager_secret_version' && u.attribute === 'secret_string'),
    );
    if (keyUses.length === 0) {
      findings.push(
        findingAt(
          graph,
          rule,
          key.address,
          'its private key is consumed by nothing and lies in the Terraform state',
          fix,
        ),
      );
    } else if (stray.length > 0) {
      findings.push(
        findingAt(
          graph,
          rule,
          key.address,
          `its private key is used outside the sink secret, by ${[...new Set(stray.map((u) => `${u.by} (${u.attribute})`))].join(', ')}`,
          fix,
        ),
      );
    }
  }
  return sortFindings(findings);
}
