/**
 * One synth measurement, in its own process (`node dist/bench/synth-stack.js N`): a stack with one bucket,
 * one least-privilege writer, one sink and N batch exporters (streams `stream-0` ... `stream-N-1`), sharing
 * the runtime image built from this package's sources (the default), synthesized the way `cdktf synth`
 * does (`app.synth()` into an outdir: aspects, validations, cdk.tf.json written). Prints one JSON line
 * (bench/synth.ts SynthReport).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformStack } from 'cdktf';
import { BatchExporter, ExportBucket, ExporterImage, S3Sink, SinkWriter } from '../constructs';
import type { SynthReport } from './synth';

function buildApp(exporters: number, outdir: string): App {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'bench');
  new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
  const bucket = new ExportBucket(stack, 'Bucket');
  const writer = new SinkWriter(stack, 'Writer', { bucket, prefix: 'events' });
  const sink = new S3Sink(stack, 'Sink', { name: 's3', writer });
  const image = ExporterImage.fromRuntimeSources();
  for (let i = 0; i < exporters; i++) {
    new BatchExporter(stack, `Exporter${i}`, {
      stream: { name: `stream-${i}`, brokers: ['b-1.kafka.internal:9092', 'b-2.kafka.internal:9092'] },
      sink,
      image,
      network: { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] },
    });
  }
  return app;
}

function main(): void {
  const exporters = Number(process.argv[2]);
  if (!Number.isInteger(exporters) || exporters < 1)
    throw new Error('usage: synth-stack.js EXPORTERS (>= 1)');
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
  try {
    const started = performance.now();
    const app = buildApp(exporters, outdir);
    const built = performance.now();
    app.synth();
    const synthesized = performance.now();
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
      stacks: Record<string, { synthesizedStackPath: string }>;
    };
    const stackFile = path.join(outdir, manifest.stacks.bench.synthesizedStackPath);
    const json = JSON.parse(fs.readFileSync(stackFile, 'utf8')) as { resource?: Record<string, object> };
    const resources = Object.values(json.resource ?? {}).reduce(
      (n, byName) => n + Object.keys(byName).length,
      0,
    );
    const report: SynthReport = {
      exporters,
      buildSeconds: (built - started) / 1000,
      synthSeconds: (synthesized - built) / 1000,
      resources,
    };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

main();
