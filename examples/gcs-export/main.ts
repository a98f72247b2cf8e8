/**
 * The GCS example: a Google Cloud Storage bucket with secure defaults, the least-privilege writer (a service
 * account with roles/storage.objectCreator on that bucket, narrowed to `<prefix>/*.jsonl` by an IAM
 * condition) and its key, the sink holding the key in AWS Secrets Manager, and the batch exporter on ECS for
 * one stream, as one graph. After `npm run build`: `node dist/examples/gcs-export/main.js`. Settings come
 * from EXAMPLE_* variables (examples/settings.ts); the Google provider uses the usual Google credentials
 * (`gcloud auth application-default login` or GOOGLE_APPLICATION_CREDENTIALS) and EXAMPLE_GCP_PROJECT.
 */
import { GoogleProvider } from '@cdktf/provider-google/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';

import { GcsExportBucket } from '../../constructs/gcs/gcs-export-bucket';
import { GcsSink } from '../../constructs/gcs/gcs-sink';
import { GcsSinkWriter } from '../../constructs/gcs/gcs-sink-writer';
import {
  addAwsProvider,
  exampleExporter,
  exampleSettings,
  ExampleEnvironment,
  ExampleSettings,
  exampleValidation,
} from '../settings';

/** The example's stack. Construct ids are the Terraform addresses' names: keep them stable. */
export class GcsExportStack extends TerraformStack {
  public constructor(scope: App, id: string, settings: ExampleSettings) {
    super(scope, id);
    addAwsProvider(this, settings);
    new GoogleProvider(this, 'google', { project: settings.gcpProject });
    const bucket = new GcsExportBucket(this, 'Bucket', {
      bucketName: settings.bucketName ?? `${settings.gcpProject}-${settings.streamName}-export`,
      location: settings.gcsLocation,
    });
    const writer = new GcsSinkWriter(this, 'Writer', { bucket, prefix: settings.prefix });
    const sink = new GcsSink(this, 'Sink', {
      name: settings.sinkName,
      writer,
      ...exampleValidation(settings),
    });
    const exporter = exampleExporter(this, settings, sink);
    // Names only: nothing secret is ever an output.
    new TerraformOutput(this, 'BucketName', { value: bucket.bucketName });
    new TerraformOutput(this, 'ExporterName', { value: exporter.exporterName });
    new TerraformOutput(this, 'WriterServiceAccount', { value: writer.serviceAccountEmail });
  }
}

/** The app for the given environment (CDKTF_OUTDIR picks the output directory, as with `cdktf synth`). */
export function gcsExportApp(env: ExampleEnvironment, outdir?: string): App {
  const settings = exampleSettings({ EXAMPLE_SINK_NAME: 'gcs', ...env });
  const app = new App({ outdir });
  new GcsExportStack(app, settings.stackName ?? 'gcs-export', settings);
  return app;
}

if (require.main === module) {
  gcsExportApp(process.env).synth();
}
