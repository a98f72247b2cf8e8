/** Helpers of the review command tests: captured output and plans written as files. */
import fs from 'node:fs';
import path from 'node:path';

import { TerraformStack } from 'cdktf';

import { synthStack } from '../support/synth';

/** What a review run printed, captured. */
export function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t) },
    out: () => out.join(''),
    err: () => err.join(''),
    errLines: () => err.join('').split('\n').filter(Boolean),
  };
}

/** Synthesizes a stack and writes its cdk.tf.json as `<dir>/<name>.tf.json`; returns the file. */
export function writePlan(dir: string, name: string, build: (stack: TerraformStack) => void): string {
  const file = path.join(dir, `${name}.tf.json`);
  fs.writeFileSync(file, synthStack(build).text);
  return file;
}
