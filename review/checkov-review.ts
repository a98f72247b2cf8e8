/**
 * checkov's part of the review: runs it over the reviewed stacks when it is installed and renders its
 * results (passed, failed, skipped with the reason from checkov-skips.json) for the text and JSON reports.
 */
import { StackGraph } from './plan/graph';
import {
  CHECKOV_ENV,
  CHECKOV_INSTALL,
  CHECKOV_VERSION,
  CheckovLocation,
  CheckovResult,
  CheckovSkippedResult,
  runCheckov,
} from './checkov';

/** checkov's results in the review report. */
export type CheckovReview =
  | {
      readonly status: 'ran';
      readonly version: string;
      /** The version this library is tested with. */
      readonly pinnedVersion: string;
      readonly summary: { readonly passed: number; readonly failed: number; readonly skipped: number };
      /** Failures no skip accounts for: each fails the review. */
      readonly failed: readonly CheckovResult[];
      readonly skipped: readonly CheckovSkippedResult[];
      readonly passed: readonly CheckovResult[];
    }
  | {
      readonly status: 'not-installed' | 'disabled';
      readonly pinnedVersion: string;
      readonly message: string;
    };

/** The one line the review prints when checkov is not installed. */
export const CHECKOV_NOT_INSTALLED =
  `checkov is not installed, so the review ran without it (install checkov==${CHECKOV_VERSION}: ` +
  `${CHECKOV_INSTALL}, put checkov on PATH or set ${CHECKOV_ENV})`;

/**
 * Runs checkov over the stacks (`location` undefined: not installed; null: turned off with --no-checkov).
 * Throws CheckovError when checkov is broken.
 */
export function checkovReview(
  location: CheckovLocation | undefined | null,
  graphs: readonly StackGraph[],
): CheckovReview {
  if (location === null) {
    return {
      status: 'disabled',
      pinnedVersion: CHECKOV_VERSION,
      message: 'checkov turned off (--no-checkov)',
    };
  }
  if (location === undefined) {
    return { status: 'not-installed', pinnedVersion: CHECKOV_VERSION, message: CHECKOV_NOT_INSTALLED };
  }
  const scan = runCheckov(location, {
    plans: graphs.map((g) => ({ label: g.stackName, document: g.document })),
  });
  return {
    status: 'ran',
    version: scan.version,
    pinnedVersion: CHECKOV_VERSION,
    summary: { passed: scan.passed.length, failed: scan.failed.length, skipped: scan.skipped.length },
    failed: scan.failed,
    skipped: scan.skipped,
    passed: scan.passed,
  };
}

/** True unless checkov ran and failed a check no skip accounts for. */
export function checkovPassed(review: CheckovReview): boolean {
  return review.status !== 'ran' || review.failed.length === 0;
}

/** The checkov section of the text report. */
export function renderCheckovText(review: CheckovReview): string[] {
  if (review.status !== 'ran') return ['## checkov', `- ${review.message}`, ''];
  const { passed, failed, skipped } = review.summary;
  const lines = [
    `## checkov ${review.version}: ${passed} passed, ${failed} failed, ${skipped} skipped with reasons`,
  ];
  if (review.version !== review.pinnedVersion) {
    lines.push(`- note: this library is tested with checkov ${review.pinnedVersion}`);
  }
  const where = (r: CheckovResult) =>
    `${r.check} on ${r.address}${r.constructPath === undefined ? '' : ` (${r.constructPath})`} in ${r.target}`;
  for (const r of review.failed) lines.push(`- FAIL ${where(r)}: ${r.name}`);
  for (const r of review.skipped) lines.push(`- SKIP ${where(r)}: ${r.name}. Reason: ${r.reason}`);
  lines.push('');
  return lines;
}
