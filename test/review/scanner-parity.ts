/**
 * Scanner parity, measured: one checkov run over everything the package ships (checkov-plans.ts) and over
 * "mutants" — a stack whose every guard passes (the baseline), each changed in exactly one property one of
 * our guard rails checks. A checkov check covers a property when it fails on the mutant and not on the
 * baseline; a property no check covers is one only our guards check. `npm run parity` writes the result to
 * docs/scanner-parity.md; the checkov test regenerates it and fails when the checked-in page differs.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { EcsService } from '@cdktf/provider-aws/lib/ecs-service';
import { TerraformOutput, TerraformStack } from 'cdktf';

import {
  CHECKOV_SKIPS,
  CheckovLocation,
  CheckovScan,
  CheckovTargets,
  runCheckov,
} from '../../review/checkov';
import { ALL_GUARDS, findingMessage, GuardRule } from '../../review/guards';
import { StackGraph } from '../../review/plan/graph';
import { projectRoot } from '../../local/project-root';
import { synthStack } from '../support/synth';
import {
  exporterTask,
  secureBucket,
  SecureBucketOptions,
  seedPolicy,
  writer,
  WriterOptions,
} from '../constructs/aspects/fixtures';
import { shippedTargets } from './checkov-plans';
import { libraryPipeline } from './library-stack';

/** The review's destroy chain: not a guard rail, shown by the review's exporters and destroy order. */
export const DESTROY_CHAIN = 'review: destroy chain';

/** One property of one guard (or of the review's destroy chain), broken in one stack. */
export interface Mutant {
  readonly guard: GuardRule | typeof DESTROY_CHAIN;
  readonly property: string;
  /** The intact stack it is compared with: the guard fixtures, or the library's own pipeline. */
  readonly baseline?: 'fixtures' | 'library';
  readonly build: (stack: TerraformStack) => void;
}

/**
 * The destroy chain: every exporter service depends on the access keys, secret values and writer policies of
 * the stack, so `terraform destroy` stops the exporter before the credentials it runs with are gone.
 */
export function destroyChainBreaks(graph: StackGraph): string[] {
  const credentials = ['aws_iam_access_key', 'aws_secretsmanager_secret_version', 'aws_iam_user_policy'];
  return graph.ofType('aws_ecs_service').flatMap((service) =>
    credentials
      .flatMap((type) => graph.ofType(type))
      .filter((c) => !graph.dependsOn(service.address, c.address))
      .map((c) => `${service.address} does not depend on ${c.address}: destroy may remove it first`),
  );
}

/** The library pipeline whose exporter service no longer waits for its sink (its `depends_on` removed). */
function pipelineWithoutDependsOn(stack: TerraformStack): void {
  libraryPipeline(stack);
  for (const service of stack.node.findAll().filter((c): c is EcsService => c instanceof EcsService)) {
    service.dependsOn = [];
  }
}

/** The baseline: a bucket, writer, sink secret and exporter task that every guard passes. */
function pipeline(
  stack: TerraformStack,
  options: {
    bucket?: SecureBucketOptions;
    writer?: (bucketArn: string) => WriterOptions;
    env?: 'secret';
  } = {},
): void {
  const bucket = secureBucket(stack, 'Bucket', options.bucket);
  const key = writer(stack, bucket, options.writer?.(bucket.arn) ?? {});
  exporterTask(
    stack,
    'arn:aws:secretsmanager:eu-west-1:111122223333:secret:sink-credentials-AbCdEf',
    options.env === 'secret' ? [{ name: 'SINK_KEY', value: key.secret }] : [],
  );
}

const policy = (statements: object[]) => ({ Version: '2012-10-17', Statement: statements });

/** Every mutant, by guard. */
export const MUTANTS: readonly Mutant[] = [
  {
    guard: 'sink-writer-least-privilege',
    property: 'the writer may put objects outside `bucket/prefix/` (`s3:PutObject` on `bucket/*`)',
    build: (stack) =>
      pipeline(stack, {
        writer: (arn) => ({
          policy: policy([
            { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: arn },
            { Effect: 'Allow', Action: 's3:PutObject', Resource: `${arn}/*` },
          ]),
        }),
      }),
  },
  {
    guard: 'sink-writer-least-privilege',
    property: 'the writer may put other files than `*.jsonl` (`s3:PutObject` on `bucket/prefix/*`)',
    build: (stack) =>
      pipeline(stack, {
        writer: (arn) => ({
          policy: policy([
            { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: arn },
            { Effect: 'Allow', Action: 's3:PutObject', Resource: `${arn}/events/*` },
          ]),
        }),
      }),
  },
  {
    guard: 'sink-writer-least-privilege',
    property: 'the writer may also read the exports (`s3:GetObject`)',
    build: (stack) =>
      pipeline(stack, {
        writer: (arn) => ({
          policy: policy([
            { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: arn },
            { Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: `${arn}/events/*.jsonl` },
          ]),
        }),
      }),
  },
  {
    guard: 'sink-writer-least-privilege',
    property: 'the writer has a service wildcard (`s3:*` on the prefix)',
    build: (stack) =>
      pipeline(stack, {
        writer: (arn) => ({
          policy: policy([{ Effect: 'Allow', Action: 's3:*', Resource: `${arn}/events/*.jsonl` }]),
        }),
      }),
  },
  {
    guard: 'sink-writer-least-privilege',
    property: 'the writer is an administrator (`*` on `*`)',
    build: (stack) =>
      pipeline(stack, {
        writer: () => ({ policy: policy([{ Effect: 'Allow', Action: '*', Resource: '*' }]) }),
      }),
  },
  {
    guard: 'secure-bucket',
    property: 'the bucket accepts requests without TLS (no deny-insecure-transport policy)',
    build: (stack) => pipeline(stack, { bucket: { tlsPolicy: false } }),
  },
  {
    guard: 'secure-bucket',
    property: 'incomplete multipart uploads are never aborted (no lifecycle rule)',
    build: (stack) => pipeline(stack, { bucket: { lifecycle: false } }),
  },
  {
    guard: 'secure-bucket',
    property: 'one public access block flag is off (`restrict_public_buckets`)',
    build: (stack) => pipeline(stack, { bucket: { publicAccessBlock: 'partial' } }),
  },
  {
    guard: 'secure-bucket',
    property: 'no public access block at all',
    build: (stack) => pipeline(stack, { bucket: { publicAccessBlock: false } }),
  },
  {
    guard: 'secure-bucket',
    property: 'no default encryption configuration',
    build: (stack) => pipeline(stack, { bucket: { encryption: false } }),
  },
  {
    guard: 'no-plaintext-secrets',
    property: "the writer's secret key in an output (even a `sensitive` one)",
    build: (stack) => {
      const bucket = secureBucket(stack, 'Bucket');
      const key = writer(stack, bucket, { policy: seedPolicy(bucket, 'events') });
      new TerraformOutput(stack, 'writer_secret', { value: key.secret, sensitive: true });
    },
  },
  {
    guard: 'no-plaintext-secrets',
    property: "the writer's secret key in a tag",
    build: (stack) => pipeline(stack, { writer: () => ({ secretUse: 'tag' }) }),
  },
  {
    guard: 'no-plaintext-secrets',
    property: "the writer's secret key in a container's plain environment",
    build: (stack) => pipeline(stack, { env: 'secret' }),
  },
  {
    guard: 'no-plaintext-secrets',
    property: 'an access key neither PGP-encrypted nor kept only in a Secrets Manager secret',
    build: (stack) => pipeline(stack, { writer: () => ({ secretUse: 'unused' }) }),
  },
  {
    guard: DESTROY_CHAIN,
    property: 'the exporter service is not destroyed before the sink secret value it reads (no `depends_on`)',
    baseline: 'library',
    build: pipelineWithoutDependsOn,
  },
];

/** What one mutant measured. */
export interface MutantResult {
  readonly mutant: Mutant;
  /** What our guard (or the destroy-chain check) finds on the mutant. */
  readonly guardFindings: readonly string[];
  /** checkov checks that fail on the mutant but not on the baseline. */
  readonly coveringChecks: readonly { readonly check: string; readonly name: string }[];
}

/** The measurement: the shipped scan and every mutant. */
export interface Parity {
  readonly shipped: CheckovScan;
  readonly shippedLabels: readonly string[];
  /** How many of the shipped targets are Dockerfiles (the rest are plans). */
  readonly dockerfiles: number;
  readonly mutants: readonly MutantResult[];
}

const BASELINES = { fixtures: 'baseline', library: 'baseline library' } as const;

/** Runs checkov once over the shipped targets, the baseline and every mutant. */
export function measureParity(location: CheckovLocation): Parity {
  const shippedTargetList = shippedTargets();
  const mutantPlans = [
    { label: BASELINES.fixtures, document: synthStack((stack) => pipeline(stack)).json },
    { label: BASELINES.library, document: synthStack((stack) => libraryPipeline(stack)).json },
    ...MUTANTS.map((m, i) => ({ label: `mutant ${i}`, document: synthStack(m.build).json })),
  ];
  const targets: CheckovTargets = {
    plans: [...shippedTargetList.plans, ...mutantPlans],
    dockerfiles: shippedTargetList.dockerfiles,
  };
  const scan = runCheckov(location, targets);
  const shippedLabels = [
    ...shippedTargetList.plans.map((p) => p.label),
    ...(shippedTargetList.dockerfiles ?? []).map((d) => d.label),
  ];
  const isShipped = (target: string) => shippedLabels.includes(target);
  // Skips are for this library's own resources; the mutants are measured on every failure.
  const failedOn = (label: string) => [...scan.failed, ...scan.skipped].filter((r) => r.target === label);
  const mutants = MUTANTS.map((mutant, i) => {
    const graph = StackGraph.fromJson(mutantPlans[i + 2].document);
    const baselineFailures = new Set(failedOn(BASELINES[mutant.baseline ?? 'fixtures']).map((r) => r.check));
    const covering = new Map<string, string>();
    for (const r of failedOn(`mutant ${i}`))
      if (!baselineFailures.has(r.check)) covering.set(r.check, r.name);
    return {
      mutant,
      guardFindings: findingsOf(mutant, graph),
      coveringChecks: [...covering].map(([check, name]) => ({ check, name })).sort(byCheck),
    };
  });
  const shipped: CheckovScan = {
    version: scan.version,
    passed: scan.passed.filter((r) => isShipped(r.target)),
    failed: scan.failed.filter((r) => isShipped(r.target)),
    skipped: scan.skipped.filter((r) => isShipped(r.target)),
  };
  return { shipped, shippedLabels, dockerfiles: shippedTargetList.dockerfiles?.length ?? 0, mutants };
}

function findingsOf(mutant: Mutant, graph: StackGraph): string[] {
  if (mutant.guard === DESTROY_CHAIN) return destroyChainBreaks(graph);
  return ALL_GUARDS.flatMap((g) => g(graph))
    .filter((f) => f.rule === mutant.guard)
    .map(findingMessage);
}

function byCheck(a: { check: string }, b: { check: string }): number {
  return a.check < b.check ? -1 : a.check > b.check ? 1 : 0;
}

/** A table cell of checkov's words: `|`, `*` and `_` are literal there, not Markdown. */
const cell = (text: string) => text.replace(/([|*_])/g, '\\$1');

/** docs/scanner-parity.md from a measurement, formatted as the repository's prettier formats it. */
export function renderParity(parity: Parity): string {
  // The prettier CLI, not its API: the API loads plugins by dynamic import, which jest's VM refuses.
  return execFileSync(
    process.execPath,
    [
      require.resolve('prettier/bin/prettier.cjs'),
      '--stdin-filepath',
      path.join('docs', 'scanner-parity.md'),
    ],
    { cwd: projectRoot(), input: parityMarkdown(parity), encoding: 'utf8' },
  );
}

function parityMarkdown(parity: Parity): string {
  const { shipped } = parity;
  const checks = new Map<
    string,
    { name: string; types: Set<string>; passed: Set<string>; skipped: Set<string> }
  >();
  const entry = (check: string, name: string) => {
    const known = checks.get(check) ?? { name, types: new Set(), passed: new Set(), skipped: new Set() };
    checks.set(check, known);
    return known;
  };
  for (const r of shipped.passed) {
    const e = entry(r.check, r.name);
    e.types.add(r.address.split('.')[0]);
    e.passed.add(r.target);
  }
  for (const r of shipped.skipped) {
    const e = entry(r.check, r.name);
    e.types.add(r.address.split('.')[0]);
    e.skipped.add(r.target);
  }
  const ordered = [...checks].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const skipReason = (check: string) => CHECKOV_SKIPS.find((s) => s.check === check)?.reason ?? '';
  const plans = parity.shippedLabels.length - parity.dockerfiles;
  const passedOn = (targets: Set<string>, types: Set<string>) =>
    types.has('Dockerfile')
      ? `passed on ${[...targets].join(', ')}`
      : `passed on ${targets.size} of ${plans} plans`;
  const lines = [
    '# Scanner parity',
    '',
    '<!-- Generated by `npm run parity` (test/review/scanner-parity.ts) from a real checkov run; do not edit.',
    '     test/review/checkov.test.ts fails when this page differs from a fresh run. -->',
    '',
    `Measured with checkov ${shipped.version} (the version \`.ci/run\` installs), \`--framework terraform_json dockerfile\`:`,
    "its `terraform_json` framework reads cdktf's `cdk.tf.json` as written and resolves the references between",
    'resources (its graph checks, such as CKV2_AWS_6, follow `${aws_s3_bucket.x.id}` from one resource to another).',
    '',
    '## checkov over everything this package ships',
    '',
    `Scanned in one run: ${parity.shippedLabels.map((l) => `\`${l}\``).join(', ')}.`,
    '',
    `**${shipped.failed.length} failed**, ${shipped.passed.length} passed, ${shipped.skipped.length} skipped. A skip is a`,
    'check this design knowingly fails, only on the resource types and library construct ids named, with the reason, all in one reviewed file:',
    '[`review/checkov-skips.json`](../review/checkov-skips.json). `batch-exporter review` lists every resource a',
    'skip applies to with its reason, and the checkov test fails when a skip no longer matches any failure.',
    '',
    '| Check | What checkov asks | Resource types | Result on the shipped plans |',
    '| ----- | ----------------- | -------------- | --------------------------- |',
  ];
  for (const [check, e] of ordered) {
    const result =
      e.skipped.size > 0
        ? `skipped on ${e.skipped.size} of ${plans} plans${e.passed.size > 0 ? `, passed on ${e.passed.size}` : ''}: ${skipReason(check)}`
        : passedOn(e.passed, e.types);
    lines.push(`| ${check} | ${cell(e.name)} | ${[...e.types].sort().join(', ')} | ${cell(result)} |`);
  }
  lines.push(
    '',
    '## Our guard rails against checkov',
    '',
    "Each row is one property one of our guard rails (or the review's destroy chain) checks, broken in exactly",
    'one place of a stack whose every guard passes (test/review/scanner-parity.ts). **checkov catches it with** lists the checks that fail on the',
    'broken stack and not on the intact one; "nothing" means checkov passes the plan and only our guard catches',
    'it. The guard column is measured on the same plan.',
    '',
    '| Guard | Property broken | Our guard | checkov catches it with |',
    '| ----- | --------------- | --------- | ----------------------- |',
  );
  for (const m of parity.mutants) {
    const ours = m.guardFindings.length > 0 ? `FAIL (${m.guardFindings.length} finding(s))` : 'passes (!)';
    const theirs =
      m.coveringChecks.length === 0
        ? 'nothing: only our guard'
        : m.coveringChecks.map((c) => `${c.check} (${cell(c.name)})`).join(', ');
    lines.push(`| ${m.mutant.guard} | ${m.mutant.property} | ${ours} | ${theirs} |`);
  }
  const onlyOurs = parity.mutants.filter((m) => m.coveringChecks.length === 0);
  lines.push(
    '',
    `So ${onlyOurs.length} of ${parity.mutants.length} properties are checked only by our guards and review:`,
    '',
    ...onlyOurs.map((m) => `- ${m.mutant.guard}: ${m.mutant.property}`),
    '',
    'The destroy chain is not a guard rail: the review shows it (the exporter → sink → key → user → bucket chain',
    'and the destroy order), `BatchExporter` sets the `depends_on` that makes it, and',
    '`destroyChainBreaks` (test/review/scanner-parity.ts) is the check measured here. Least privilege is also',
    'proven by evaluating the writer policy (test/review/least-privilege.\\*.test.ts), not by matching strings.',
    '',
    '## When to use which writer mode',
    '',
    "The seed hands a third party an IAM user's access key (`s3.json`), so the library's default is an IAM user with",
    "the seed's inline policy and an access key stored in the sink's secret — this is what the skips of",
    "CKV_AWS_273, CKV_AWS_40 and CKV2_AWS_57 are about. Use it when the exporter runs **outside** the bucket's AWS",
    "account (another cloud, on premises, a partner's platform) or when something that only accepts an `s3.json`",
    'must write.',
    '',
    "When the exporter runs on ECS **in the bucket's account**, use `WriterMode.TASK_ROLE`: the same least-privilege",
    "policy goes to the exporter's task role, there is no user and no long-lived key, nothing secret is in the",
    'Terraform state, and those checks no longer fail (see the task-role plan above).',
    '',
  );
  return lines.join('\n');
}

/** `npm run parity`: measures and writes docs/scanner-parity.md. */
export function writeParity(location: CheckovLocation): string {
  const file = path.join(projectRoot(), 'docs', 'scanner-parity.md');
  fs.writeFileSync(file, renderParity(measureParity(location)));
  return file;
}
