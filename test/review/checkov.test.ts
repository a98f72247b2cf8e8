/**
 * The pinned checkov over everything the package ships (every example, the library's stacks with
 * non-default props, runtime/Dockerfile) and over the parity mutants, in one run: no failed check, every
 * skip still needed, each guard catching its broken plan, and docs/scanner-parity.md equal to this run.
 */
import fs from 'node:fs';
import path from 'node:path';

import { CHECKOV_SKIPS, CHECKOV_VERSION, CheckovResult } from '../../review/checkov';
import { projectRoot } from '../../local/project-root';
import { pinnedCheckov } from '../support/checkov';
import { StackGraph } from '../../review/plan/graph';
import { synthStack } from '../support/synth';
import { libraryPipeline } from './library-stack';
import { destroyChainBreaks, measureParity, MUTANTS, Parity, renderParity } from './scanner-parity';

const describeResult = (r: CheckovResult) =>
  `${r.check} on ${r.address}${r.constructPath ? ` (${r.constructPath})` : ''} in ${r.target}: ${r.name}`;

describe('checkov over what the package ships', () => {
  let parity: Parity;

  beforeAll(() => {
    parity = measureParity(pinnedCheckov());
  }, 600_000);

  test('is the pinned checkov, the version .ci/run and the test prerequisites install', () => {
    expect(parity.shipped.version).toBe(CHECKOV_VERSION);
    for (const installer of [path.join('.ci', 'run'), path.join('scripts', 'check-prerequisites.js')]) {
      const text = fs.readFileSync(path.join(projectRoot(), installer), 'utf8');
      const versions = text.match(/\b\d+\.\d+\.\d+\b/g) ?? [];
      expect({ installer, versions: [...new Set(versions)] }).toEqual({
        installer,
        versions: [CHECKOV_VERSION],
      });
    }
  });

  test('fails no check on any shipped plan or on runtime/Dockerfile', () => {
    expect(parity.shipped.failed.map(describeResult)).toEqual([]);
  });

  test('scanned every shipped plan and the Dockerfile', () => {
    const scanned = new Set(parity.shipped.passed.map((r) => r.target));
    expect([...scanned].sort()).toEqual([...parity.shippedLabels].sort());
    expect(parity.shippedLabels).toEqual(
      expect.arrayContaining([
        'example s3-export',
        'example existing-bucket',
        'example gcs-export',
        'runtime/Dockerfile',
        'library: task-role writer, KMS bucket, runtime image',
      ]),
    );
    expect(
      parity.shipped.passed.filter((r) => r.target === 'runtime/Dockerfile').map((r) => r.check),
    ).toEqual(expect.arrayContaining(['CKV_DOCKER_2', 'CKV_DOCKER_3', 'CKV_DOCKER_8']));
  });

  test('resolves references: graph checks connect the bucket to its public access block and lifecycle', () => {
    const onBucket = parity.shipped.passed.filter(
      (r) => r.target === 'example s3-export' && r.address.startsWith('aws_s3_bucket.'),
    );
    expect(onBucket.map((r) => r.check)).toEqual(expect.arrayContaining(['CKV2_AWS_6', 'CKV2_AWS_61']));
  });

  test('the constructs pass what their defaults now set: KMS for ECR, a year of logs, read-only root', () => {
    const passedIn = (check: string) =>
      parity.shipped.passed.filter((r) => r.check === check).map((r) => r.target);
    expect(passedIn('CKV_AWS_136')).toContain('example s3-export');
    // Every shipped plan has an exporter: each keeps its logs a year and runs on a read-only root.
    const plans = parity.shippedLabels.filter((l) => l !== 'runtime/Dockerfile');
    expect(passedIn('CKV_AWS_338').sort()).toEqual([...plans].sort());
    expect(passedIn('CKV_AWS_336').sort()).toEqual([...plans].sort());
  });

  test('every skip accounts for a failure on its resource types and construct ids and carries a reason', () => {
    for (const skip of CHECKOV_SKIPS) {
      const uses = parity.shipped.skipped.filter((r) => r.check === skip.check);
      expect({ check: skip.check, used: uses.length > 0 }).toEqual({ check: skip.check, used: true });
      for (const r of uses) {
        expect(skip.resourceTypes).toContain(r.address.split('.')[0]);
        expect(skip.constructIds).toContain(r.constructPath!.split('/').pop());
      }
      expect(skip.reason.length).toBeGreaterThan(40);
    }
    expect(new Set(CHECKOV_SKIPS.map((s) => s.check)).size).toBe(CHECKOV_SKIPS.length);
  });

  test('the task-role writer needs none of the skips about users, keys and secrets', () => {
    const taskRole = parity.shipped.skipped.filter(
      (r) => r.target === 'library: task-role writer, KMS bucket, runtime image',
    );
    expect(taskRole.map((r) => r.check)).not.toEqual(
      expect.arrayContaining(['CKV_AWS_273', 'CKV_AWS_40', 'CKV2_AWS_57', 'CKV_AWS_149']),
    );
    expect(taskRole.map((r) => r.check)).not.toContain('CKV_AWS_145');
  });

  test.each(MUTANTS.map((m, i) => [m.guard, m.property, i] as const))(
    '%s catches: %s',
    (_guard, _property, i) => {
      expect(parity.mutants[i].guardFindings.length).toBeGreaterThan(0);
    },
  );

  test('checkov passes plans only our guards catch: least privilege to the prefix, TLS, secrets in outputs/tags/env', () => {
    const uncovered = parity.mutants
      .filter((m) => m.coveringChecks.length === 0)
      .map((m) => m.mutant.property);
    expect(uncovered).toEqual(
      expect.arrayContaining([
        expect.stringContaining('outside `bucket/prefix/`'),
        expect.stringContaining('other files than `*.jsonl`'),
        expect.stringContaining('read the exports'),
        expect.stringContaining('without TLS'),
        expect.stringContaining('in an output'),
        expect.stringContaining('in a tag'),
        expect.stringContaining('plain environment'),
      ]),
    );
    const admin = parity.mutants.find((m) => m.mutant.property.includes('administrator'))!;
    expect(admin.coveringChecks.map((c) => c.check)).toContain('CKV_AWS_62');
  });

  test('the library pipeline keeps the destroy chain that the mutant breaks, and checkov sees no difference', () => {
    const intact = StackGraph.fromJson(synthStack((stack) => libraryPipeline(stack)).json);
    expect(destroyChainBreaks(intact)).toEqual([]);
    const broken = parity.mutants.find((m) => m.mutant.guard === 'review: destroy chain')!;
    expect(broken.guardFindings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aws_ecs_service\.\S+ does not depend on aws_secretsmanager_secret_version\./),
      ]),
    );
    expect(broken.coveringChecks).toEqual([]);
  });

  test('docs/scanner-parity.md is the page of this run (regenerate with npm run parity)', () => {
    const checkedIn = fs.readFileSync(path.join(projectRoot(), 'docs', 'scanner-parity.md'), 'utf8');
    expect(checkedIn).toBe(renderParity(parity));
  });
});
