/**
 * checkov (https://www.checkov.io/), the scanner platform teams gate plans on, run over synthesized stacks
 * (its `terraform_json` framework, which reads cdktf's `cdk.tf.json` and resolves its references) and
 * Dockerfiles. Its failures on this library's own resources that do not fit the design are skipped with a
 * reason from one reviewed file (checkov-skips.json); everything else it fails, fails the review.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import SKIP_FILE from './checkov-skips.json';

/** The checkov version the library is tested with (`.ci/run` installs exactly this one). */
export const CHECKOV_VERSION = '3.3.30';

/** Environment variable naming the checkov executable to use. */
export const CHECKOV_ENV = 'BATCH_EXPORTER_CHECKOV';

/** How to install the pinned checkov, for messages. */
export const CHECKOV_INSTALL = `python3 -m venv .cache/checkov && .cache/checkov/bin/pip install checkov==${CHECKOV_VERSION}`;

/** A checkov executable and where it was found. */
export interface CheckovLocation {
  readonly command: string;
  /** `--checkov`, the environment variable, the project-local virtualenv or PATH. */
  readonly from: string;
}

/** One knowingly failed check, from checkov-skips.json. */
export interface CheckovSkip {
  readonly check: string;
  readonly resourceTypes: readonly string[];
  /** The construct ids (last construct path segment) of this library's resources the skip is for. */
  readonly constructIds: readonly string[];
  readonly reason: string;
}

/** The reviewed skips. */
export const CHECKOV_SKIPS: readonly CheckovSkip[] = SKIP_FILE.skips;

/** What checkov scans: plans by a label (the stack name in a review) and Dockerfiles by a label. */
export interface CheckovTargets {
  readonly plans: readonly { readonly label: string; readonly document: object }[];
  readonly dockerfiles?: readonly { readonly label: string; readonly file: string }[];
}

/** One check on one resource. */
export interface CheckovResult {
  readonly check: string;
  readonly name: string;
  /** The plan's or Dockerfile's label. */
  readonly target: string;
  /** Terraform address (`aws_s3_bucket.Bucket_83908E77`), `provider.aws`, or `Dockerfile`. */
  readonly address: string;
  /** The construct path from cdktf's metadata, when the resource has one. */
  readonly constructPath?: string;
}

/** A failed check the skip file accounts for. */
export interface CheckovSkippedResult extends CheckovResult {
  readonly reason: string;
}

/** One checkov run. */
export interface CheckovScan {
  readonly version: string;
  readonly passed: readonly CheckovResult[];
  readonly failed: readonly CheckovResult[];
  readonly skipped: readonly CheckovSkippedResult[];
}

/** checkov could not be run or its output not read: a broken install, not a finding. */
export class CheckovError extends Error {}

/**
 * Finds checkov: `option` (the `--checkov` flag), then $BATCH_EXPORTER_CHECKOV, then the project-local
 * virtualenv `.cache/checkov` under `projectDir`, then `checkov` on PATH. Undefined when none exists.
 */
export function locateCheckov(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  projectDir: string = process.cwd(),
): CheckovLocation | undefined {
  if (option !== undefined) return { command: option, from: '--checkov' };
  const fromEnv = env[CHECKOV_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { command: fromEnv, from: CHECKOV_ENV };
  const venv = path.join(projectDir, '.cache', 'checkov', 'bin', 'checkov');
  if (fs.existsSync(venv)) return { command: venv, from: 'the project-local .cache/checkov' };
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'checkov');
    if (isExecutable(candidate)) return { command: candidate, from: 'PATH' };
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Runs checkov once over every target; throws CheckovError when checkov is broken. */
export function runCheckov(location: CheckovLocation, targets: CheckovTargets): CheckovScan {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-exporter-checkov-'));
  try {
    const documents = new Map<string, Record<string, unknown>>();
    for (const [i, plan] of targets.plans.entries()) {
      const dir = path.join(root, 'plans', String(i));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'cdk.tf.json'), JSON.stringify(plan.document, null, 2));
      documents.set(`/plans/${i}/cdk.tf.json`, plan.document as Record<string, unknown>);
    }
    for (const [i, dockerfile] of (targets.dockerfiles ?? []).entries()) {
      const dir = path.join(root, 'docker', String(i));
      fs.mkdirSync(dir, { recursive: true });
      fs.copyFileSync(dockerfile.file, path.join(dir, 'Dockerfile'));
    }
    const labels = new Map<string, string>([
      ...targets.plans.map((p, i) => [`/plans/${i}/cdk.tf.json`, p.label] as const),
      ...(targets.dockerfiles ?? []).map((d, i) => [`/docker/${i}/Dockerfile`, d.label] as const),
    ]);
    const reports = execute(location, root);
    return classify(reports, labels, documents);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

interface CheckovRecord {
  readonly check_id: string;
  readonly check_name: string;
  readonly file_path: string;
  readonly resource: string;
}

interface CheckovReport {
  readonly check_type?: string;
  readonly results?: {
    readonly passed_checks?: CheckovRecord[];
    readonly failed_checks?: CheckovRecord[];
    readonly skipped_checks?: CheckovRecord[];
    readonly parsing_errors?: string[];
  };
  readonly summary?: { readonly checkov_version?: string };
  readonly checkov_version?: string;
}

const CHECKOV_TIMEOUT_MS = 10 * 60 * 1000;

function execute(location: CheckovLocation, root: string): CheckovReport[] {
  const where = `checkov (${location.command}, from ${location.from})`;
  const fix = `Fix: reinstall it (${CHECKOV_INSTALL}), point ${CHECKOV_ENV} at a working checkov, or pass --no-checkov.`;
  const run = spawnSync(
    location.command,
    [
      '--directory',
      root,
      '--framework',
      'terraform_json',
      'dockerfile',
      '--output',
      'json',
      '--soft-fail',
      '--skip-download',
    ],
    {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
      timeout: CHECKOV_TIMEOUT_MS,
      // In the scanned folder, so no .checkov.yaml of the caller's folder changes what runs.
      cwd: root,
      // No call home for check mappings: the scan is of local files only.
      env: { ...process.env, BC_SKIP_MAPPING: 'TRUE' },
    },
  );
  if (run.error !== undefined)
    throw new CheckovError(`${where} cannot be started: ${run.error.message}. ${fix}`);
  if (run.status !== 0) {
    throw new CheckovError(
      `${where} exited with ${run.status === null ? `signal ${run.signal}` : `code ${run.status}`}: ${lastLine(run.stderr)}. ${fix}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(run.stdout);
  } catch {
    throw new CheckovError(
      `${where} printed no JSON report (it began ${JSON.stringify(run.stdout.slice(0, 60))}). ${fix}`,
    );
  }
  const reports = (Array.isArray(parsed) ? parsed : [parsed]) as CheckovReport[];
  const version = reports.map((r) => r.summary?.checkov_version ?? r.checkov_version).find(Boolean);
  if (version === undefined) throw new CheckovError(`${where} printed a report without its version. ${fix}`);
  const errors = reports.flatMap((r) => r.results?.parsing_errors ?? []);
  if (errors.length > 0) {
    throw new CheckovError(
      `${where} could not parse ${errors.map((e) => path.basename(path.dirname(e))).join(', ')}. ${fix}`,
    );
  }
  return reports.map((r) => ({ ...r, checkov_version: version }));
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.length > 0 ? lines[lines.length - 1].slice(0, 300) : 'no message';
}

function classify(
  reports: readonly CheckovReport[],
  labels: ReadonlyMap<string, string>,
  documents: ReadonlyMap<string, Record<string, unknown>>,
): CheckovScan {
  const results = (pick: 'passed_checks' | 'failed_checks' | 'skipped_checks') =>
    reports.flatMap((r) => r.results?.[pick] ?? []).map((record) => result(record, labels, documents));
  const failed: CheckovResult[] = [];
  const skipped: CheckovSkippedResult[] = [];
  for (const r of results('failed_checks')) {
    const skip = skipFor(r);
    if (skip === undefined) failed.push(r);
    else skipped.push({ ...r, reason: skip.reason });
  }
  return {
    version: reports[0].checkov_version!,
    passed: sortResults(results('passed_checks')),
    failed: sortResults(failed),
    skipped: sortResults(skipped),
  };
}

/** The skip of checkov-skips.json that covers a failed result, if any. */
export function skipFor(result: CheckovResult): CheckovSkip | undefined {
  const type = result.address.split('.')[0];
  const id = result.constructPath?.split('/').pop();
  return CHECKOV_SKIPS.find(
    (s) =>
      s.check === result.check &&
      s.resourceTypes.includes(type) &&
      id !== undefined &&
      s.constructIds.includes(id),
  );
}

function result(
  record: CheckovRecord,
  labels: ReadonlyMap<string, string>,
  documents: ReadonlyMap<string, Record<string, unknown>>,
): CheckovResult {
  const target = labels.get(record.file_path) ?? record.file_path;
  const document = documents.get(record.file_path);
  if (document === undefined) {
    return { check: record.check_id, name: record.check_name, target, address: 'Dockerfile' };
  }
  const address = terraformAddress(record.resource, document);
  const [type, name] = address.split('.');
  const block = (document.resource as Record<string, Record<string, Record<string, unknown>>> | undefined)?.[
    type
  ]?.[name];
  const constructPath = (block?.['//'] as { metadata?: { path?: string } } | undefined)?.metadata?.path;
  return {
    check: record.check_id,
    name: record.check_name,
    target,
    address,
    ...(constructPath === undefined ? {} : { constructPath }),
  };
}

/**
 * checkov names a resource `<type>.<name>` in graph checks but `resource.<name>` in the others (its JSON
 * runner drops the type); the type is found again from the document.
 */
function terraformAddress(resource: string, document: Record<string, unknown>): string {
  const [kind, ...rest] = resource.split('.');
  if (kind !== 'resource') return resource;
  const name = rest.join('.');
  const sections = (document.resource ?? {}) as Record<string, Record<string, unknown>>;
  const type = Object.keys(sections).find((t) => Object.hasOwn(sections[t], name));
  return type === undefined ? resource : `${type}.${name}`;
}

function sortResults<T extends CheckovResult>(list: T[]): T[] {
  const key = (r: CheckovResult) => `${r.target}\u0000${r.address}\u0000${r.check}`;
  return list.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
