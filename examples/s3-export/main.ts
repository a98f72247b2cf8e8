/**
 * The main example: a new bucket with secure defaults, the least-privilege writer and its key, the sink and
 * the batch exporter for one stream, as one graph. `cdktf synth` (see cdktf.json) or, after `npm run build`,
 * `node dist/examples/s3-export/main.js`. Settings come from EXAMPLE_* variables (examples/settings.ts).
 */
import { App, TerraformOutput, TerraformStack } from 'cdktf';

import { ExportBucket } from '../../constructs/bucket/export-bucket';
import { S3Sink } from '../../constructs/sink/s3-sink';
import { SinkWriter } from '../../constructs/writer/sink-writer';
import {
  addAwsProvider,
  exampleExporter,
  exampleSettings,
  ExampleEnvironment,
  ExampleSettings,
  exampleValidation,
} from '../settings';

/** The example's stack. Construct ids are the Terraform addresses' names: keep them stable. */
export class S3ExportStack extends TerraformStack {
  public constructor(scope: App, id: string, settings: ExampleSettings) {
    super(scope, id);
    addAwsProvider(this, settings);
    const bucket = new ExportBucket(this, 'Bucket', { bucketName: settings.bucketName });
    const writer = new SinkWriter(this, 'Writer', { bucket, prefix: settings.prefix });
    const sink = new S3Sink(this, 'Sink', {
      name: settings.sinkName,
      writer,
      region: settings.endpoint === undefined ? undefined : settings.region,
      endpoint: settings.endpoint,
      ...exampleValidation(settings),
    });
    const exporter = exampleExporter(this, settings, sink);
    // Names only: nothing secret is ever an output.
    new TerraformOutput(this, 'BucketName', { value: bucket.bucketName });
    new TerraformOutput(this, 'ExporterName', { value: exporter.exporterName });
    new TerraformOutput(this, 'WriterUserName', { value: writer.user!.name });
  }
}

/** The app for the given environment (CDKTF_OUTDIR picks the output directory, as with `cdktf synth`). */
export function s3ExportApp(env: ExampleEnvironment, outdir?: string): App {
  const settings = exampleSettings(env);
  const app = new App({ outdir });
  new S3ExportStack(app, settings.stackName ?? 's3-export', settings);
  return app;
}

if (require.main === module) {
  s3ExportApp(process.env).synth();
}
