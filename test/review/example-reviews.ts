/**
 * The checked-in review reports of the examples (docs/review/<example>/): synthesizes each example with its
 * default settings, as `cdktf synth` would, and writes `batch-exporter review --out` into the folder.
 * `npm run review` runs this (compiled) to regenerate them; a test regenerates into a temporary folder and
 * compares, so the checked-in reports cannot drift from the code. The pinned checkov runs as part of it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { App } from 'cdktf';

import { runReview } from '../../review/cli';
import { existingBucketApp } from '../../examples/existing-bucket/main';
import { gcsExportApp } from '../../examples/gcs-export/main';
import { s3ExportApp } from '../../examples/s3-export/main';
import { pinnedCheckov } from '../support/checkov';

/** The examples and how to make their apps (default settings: no EXAMPLE_* variables). */
export const EXAMPLES: readonly { readonly name: string; readonly app: (outdir: string) => App }[] = [
  { name: 's3-export', app: (outdir) => s3ExportApp({}, outdir) },
  { name: 'existing-bucket', app: (outdir) => existingBucketApp({}, outdir) },
  { name: 'gcs-export', app: (outdir) => gcsExportApp({}, outdir) },
];

/** Regenerates every example's review under `root` (e.g. docs/review); returns the exit codes. */
export async function writeExampleReviews(root: string): Promise<Record<string, number>> {
  const codes: Record<string, number> = {};
  for (const example of EXAMPLES) {
    const synthDir = fs.mkdtempSync(path.join(os.tmpdir(), `review-${example.name}-`));
    try {
      example.app(synthDir).synth();
      const out = path.join(root, example.name);
      fs.rmSync(out, { recursive: true, force: true });
      const errors: string[] = [];
      const checkov = pinnedCheckov().command;
      codes[example.name] = await runReview([synthDir, '--out', out, '--checkov', checkov], {
        stdout: () => undefined,
        stderr: (text) => errors.push(text),
      });
      if (codes[example.name] === 2) throw new Error(`review of ${example.name} failed: ${errors.join('')}`);
    } finally {
      fs.rmSync(synthDir, { recursive: true, force: true });
    }
  }
  return codes;
}

/** `npm run review`: regenerates under `root`, prints one line per example, resolves to the exit code. */
export async function regenerateExampleReviews(root: string): Promise<number> {
  const codes = await writeExampleReviews(root);
  for (const [name, code] of Object.entries(codes)) {
    process.stdout.write(
      `${name}: ${code === 0 ? 'every guard passes' : 'a guard FAILS'} -> ${path.join(root, name)}\n`,
    );
  }
  return Object.values(codes).some((c) => c !== 0) ? 1 : 0;
}
