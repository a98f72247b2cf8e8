/** Renders a review report as plain text for terminals and pull-request comments. */
import { renderCheckovText } from './checkov-review';
import { findingMessage } from './guards/finding';
import { gcsPermissionLines } from './gcs-permissions';
import { ReviewedStatement } from './permissions';
import { ReviewReport, StackReview } from './report';

export function renderText(report: ReviewReport): string {
  const guardsHold = report.stacks.every((s) => s.passed);
  const verdict = report.passed
    ? `PASSED: every guard rail holds${report.checkov?.status === 'ran' ? ' and checkov fails nothing unskipped' : ''}`
    : guardsHold
      ? 'FAILED: checkov fails a check (see checkov)'
      : 'FAILED: a guard rail is violated (see Guards)';
  const checkov = report.checkov === undefined ? [] : renderCheckovText(report.checkov);
  return [`Batch exporter plan review: ${verdict}`, '', ...checkov, ...report.stacks.map(renderStack)].join(
    '\n',
  );
}

function renderStack(review: StackReview): string {
  const lines: string[] = [`# Stack ${review.stack}`, ''];

  lines.push('## Guards');
  for (const g of review.guards) {
    lines.push(`- ${g.passed ? 'PASS' : 'FAIL'} ${g.rule}`);
    for (const f of g.findings) lines.push(`  - ${findingMessage(f)}`);
  }

  lines.push('', '## Exporters');
  if (review.exporters.length === 0) lines.push('- none');
  for (const e of review.exporters) {
    lines.push(
      `- ${e.name ?? e.container} (${e.taskDefinition}${e.services.length > 0 ? `, run by ${e.services.join(', ')}` : ''})`,
    );
    lines.push(
      `  - stream: ${e.stream.name ?? '?'} (topic ${e.stream.topic ?? '?'}, brokers ${e.stream.brokers ?? '?'})`,
    );
    lines.push(
      `  - sink: bucket ${e.sink.bucket ?? '?'}, credentials ${e.sink.credentials}` +
        (e.sink.credentialsSecret ? ` from ${e.sink.credentialsSecret}` : ''),
    );
    lines.push(
      `  - interval: ${e.intervalSeconds ?? 'default (60)'} s, prefix: ${e.pathPrefix ?? '(bucket root)'}, consumers: ${e.consumers ?? '?'}`,
    );
    lines.push(`  - chain: ${e.chain.map((l) => `${l.role} ${l.address}`).join(' -> ')}`);
  }

  lines.push('', '## IAM permissions');
  for (const g of review.permissions) {
    const mark = g.leastPrivilege ? 'least privilege' : 'BEYOND LEAST PRIVILEGE';
    const who = `${g.principalKind} ${g.principal}${g.sinkWriter ? ` [sink writer: ${g.sinkWriter}]` : ''}`;
    lines.push(`- ${who} via ${g.source} (${g.attribute}): ${mark}`);
    if (g.unreadable) lines.push(`  - ! cannot be read from the plan: ${g.unreadable}`);
    for (const s of g.statements) lines.push(`  - ${statementLine(s)}`);
  }

  lines.push(...gcsPermissionLines(review.gcsPermissions ?? []));

  lines.push('', '## Secrets');
  for (const s of review.secrets.stores) {
    const detail = s.encryptedWith
      ? `encrypted with ${s.encryptedWith}`
      : `rotation ${s.rotation ? 'on' : 'OFF'}`;
    lines.push(`- ${s.address}: ${detail}`);
  }
  for (const k of review.secrets.accessKeys) {
    lines.push(
      `- ${k.address} of ${k.user ?? '?'}: ${k.pgp ? 'PGP-encrypted in state' : 'secret in state in plain text'}; ` +
        `secret read by ${k.secretConsumers.length > 0 ? k.secretConsumers.join(', ') : 'nothing'}`,
    );
  }
  lines.push(
    `- secret-bearing attributes reach an output, tag or environment: ${review.secrets.contained ? 'no' : 'YES'}`,
  );
  for (const f of review.secrets.flows) {
    lines.push(
      `  - ${f.secret} -> ${f.usedBy}${f.exposedIn ? ` EXPOSED IN ${f.exposedIn.toUpperCase()}` : ''}`,
    );
  }

  lines.push('', '## Resources by type');
  for (const group of review.resourcesByType) {
    const label = group.mode === 'data' ? `data.${group.type}` : group.type;
    lines.push(`- ${label} (${group.addresses.length}): ${group.addresses.join(', ')}`);
  }
  lines.push('', '## Create order');
  review.createOrder.forEach((a, i) => lines.push(`${i + 1}. ${a}`));
  lines.push('', '## Destroy order');
  review.destroyOrder.forEach((a, i) => lines.push(`${i + 1}. ${a}`));
  lines.push('', '## References outside the stack');
  if (review.referencesOutsideStack.length === 0) lines.push('- none');
  for (const r of review.referencesOutsideStack) lines.push(`- ${r.from} -> ${r.to}`);
  return `${lines.join('\n')}\n`;
}

function statementLine(s: ReviewedStatement): string {
  const parts: string[] = [s.effect];
  if (s.principals) parts.push(`principal ${JSON.stringify(s.principals)}`);
  parts.push(s.notActions ? `NOT ${s.notActions.join(', ')}` : s.actions.join(', '));
  parts.push(
    `on ${s.notResources ? `NOT ${s.notResources.join(', ')}` : s.resources.join(', ') || '(no resource)'}`,
  );
  if (s.conditions) parts.push(`if ${JSON.stringify(s.conditions)}`);
  const beyond =
    s.beyondLeastPrivilege.length > 0
      ? ` !! beyond least privilege: ${s.beyondLeastPrivilege.join('; ')}`
      : '';
  return `${parts.join(' ')}${beyond}`;
}
