/** Renders a review report as plain text for terminals and pull-request comments. */
import { ReviewReport, StackReview } from './report';

export function renderText(report: ReviewReport): string {
  return report.stacks.map(renderStack).join('\n');
}

function renderStack(review: StackReview): string {
  const lines: string[] = [`# Stack ${review.stack}`, '', '## Resources by type'];
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
