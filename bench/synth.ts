/**
 * Synth time of stacks with N batch exporters: each size in a fresh Node process (bench/synth-stack.ts), so
 * module loading and JIT warm-up are the same for every size, as they are for `cdktf synth`.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { round } from './throughput';

/** What bench/synth-stack.ts prints. */
export interface SynthReport {
  readonly exporters: number;
  /** Building the constructs. */
  readonly buildSeconds: number;
  /** `app.synth()`: aspects, validations, cdk.tf.json written. */
  readonly synthSeconds: number;
  /** Terraform resources in the synthesized stack. */
  readonly resources: number;
}

export interface SynthMeasurement extends SynthReport {
  /** Build plus synth: what the target is judged on. */
  readonly seconds: number;
  /** The whole process, module loading included. */
  readonly processSeconds: number;
}

export async function measureSynth(exporters: number): Promise<SynthMeasurement> {
  const script = path.join(__dirname, 'synth-stack.js');
  const started = performance.now();
  let stdout = '';
  let stderr = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [script, String(exporters)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', resolve);
  });
  const processSeconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`synth of ${exporters} exporters failed (exit ${code}): ${stderr.trim()}`);
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as SynthReport;
  return {
    ...report,
    buildSeconds: round(report.buildSeconds, 3),
    synthSeconds: round(report.synthSeconds, 3),
    seconds: round(report.buildSeconds + report.synthSeconds, 3),
    processSeconds: round(processSeconds, 3),
  };
}
