/**
 * For teams that already have a bucket and an `s3.json` (seed: "you might already have a bucket and the
 * credentials"): the sink is made from the credentials file (read and validated at synth time) and the
 * batch exporter writes with it. Nothing about the bucket changes. Run after `npm run build` with
 * `node dist/examples/existing-bucket/main.js`; EXAMPLE_CREDENTIALS_FILE points at your s3.json (default:
 * the sample next to this file, whose values are AWS's documented fake example keys).
 */
import * as path from 'path';

import { App, TerraformOutput, TerraformStack } from 'cdktf';

import { ExportBucket } from '../../constructs/bucket/export-bucket';
import { S3Sink } from '../../constructs/sink/s3-sink';
import {
  addAwsProvider,
  exampleExporter,
  exampleSettings,
  ExampleEnvironment,
  ExampleSettings,
  exampleValidation,
  firstExisting,
} from '../settings';

/** The sample credentials file, found from the source folder or from dist/. */
export const SAMPLE_CREDENTIALS_FILE = firstExisting([
  path.join(__dirname, 's3.json'),
  path.resolve(__dirname, '..', '..', '..', 'examples', 'existing-bucket', 's3.json'),
]);

export class ExistingBucketStack extends TerraformStack {
  public constructor(scope: App, id: string, settings: ExampleSettings) {
    super(scope, id);
    addAwsProvider(this, settings);
    const bucket = ExportBucket.fromBucketName(
      this,
      'Bucket',
      settings.bucketName ?? 'strmprivacy-export-demo',
    );
    const sink = new S3Sink(this, 'Sink', {
      name: settings.sinkName,
      credentialsFile: settings.credentialsFile ?? SAMPLE_CREDENTIALS_FILE,
      bucket,
      prefix: settings.prefix,
      region: settings.endpoint === undefined ? undefined : settings.region,
      endpoint: settings.endpoint,
      ...exampleValidation(settings),
    });
    const exporter = exampleExporter(this, settings, sink);
    new TerraformOutput(this, 'ExporterName', { value: exporter.exporterName });
  }
}

export function existingBucketApp(env: ExampleEnvironment, outdir?: string): App {
  const settings = exampleSettings(env);
  const app = new App({ outdir });
  new ExistingBucketStack(app, settings.stackName ?? 'existing-bucket', settings);
  return app;
}

if (require.main === module) {
  existingBucketApp(process.env).synth();
}
