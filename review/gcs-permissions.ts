/**
 * Every Google Cloud IAM grant of a stack (bucket and project bindings), for the reviewer: role, members,
 * IAM condition, whether a member is a GCS sink writer, and what goes beyond least privilege, worded by the
 * same guards the aspects apply (constructs/aspects/gcs-guards.ts).
 */
import { checkGcsWriterLeastPrivilege, checkSecureGcsBuckets } from './guards/gcs-guards';
import { gcsGrants, gcsWriters, grantsTo } from './plan/gcs-iam';
import { StackGraph } from './plan/graph';

/** One reviewed GCS grant. */
export interface ReviewedGcsGrant {
  readonly address: string;
  readonly scope: 'bucket' | 'project';
  readonly bucket?: string;
  readonly role: string;
  readonly members: readonly string[];
  readonly condition?: string;
  /** The GCS sink writer (service account) among the members, and why it is one. */
  readonly sinkWriter?: string;
  /** What the grant gives beyond least privilege; empty when nothing. */
  readonly beyondLeastPrivilege: readonly string[];
}

/** The GCS grants of a stack, in address order; empty for stacks without Google resources. */
export function reviewGcsPermissions(graph: StackGraph): ReviewedGcsGrant[] {
  const findings = [...checkGcsWriterLeastPrivilege(graph), ...checkSecureGcsBuckets(graph)];
  const writers = gcsWriters(graph);
  return gcsGrants(graph).map((grant) => {
    const writer = writers.find((w) => grantsTo(graph, grant, w.address));
    return {
      address: grant.address,
      scope: grant.scope,
      ...(grant.bucket !== undefined && { bucket: grant.bucket }),
      role: grant.role,
      members: grant.members,
      ...(grant.condition !== undefined && { condition: grant.condition.expression }),
      ...(writer !== undefined && {
        sinkWriter: `${writer.address}: its key ${writer.key} is stored in ${writer.storedIn}`,
      }),
      beyondLeastPrivilege: findings.filter((f) => f.address === grant.address).map((f) => f.problem),
    };
  });
}

/** The text report's section for them (none when there are no GCS grants). */
export function gcsPermissionLines(grants: readonly ReviewedGcsGrant[]): string[] {
  if (grants.length === 0) return [];
  const lines = ['', '## GCS IAM bindings'];
  for (const g of grants) {
    const mark = g.beyondLeastPrivilege.length === 0 ? 'least privilege' : 'BEYOND LEAST PRIVILEGE';
    const where = g.scope === 'bucket' ? `bucket ${g.bucket}` : 'the whole project';
    lines.push(`- ${g.address}: ${g.role} on ${where} to ${g.members.join(', ')}: ${mark}`);
    if (g.sinkWriter) lines.push(`  - sink writer: ${g.sinkWriter}`);
    lines.push(`  - condition: ${g.condition ?? 'none'}`);
    for (const problem of g.beyondLeastPrivilege) lines.push(`  - ! ${problem}`);
  }
  return lines;
}
