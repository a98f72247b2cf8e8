/**
 * A stack built from the library's own constructs (bucket, writer, sink, exporter), the shape of the
 * s3-export example, for the review tests.
 */
import { TerraformStack } from 'cdktf';

import { ExportBucket } from '../../constructs/bucket/export-bucket';
import { BatchExporter } from '../../constructs/exporter/batch-exporter';
import { ExporterImage } from '../../constructs/exporter/exporter-image';
import { S3Sink } from '../../constructs/sink/s3-sink';
import { SinkWriter } from '../../constructs/writer/sink-writer';

export function libraryPipeline(stack: TerraformStack, options: { prefix?: string } = {}): void {
  const bucket = new ExportBucket(stack, 'Bucket', { bucketName: 'review-exports' });
  const writer = new SinkWriter(stack, 'Writer', { bucket, prefix: options.prefix });
  const sink = new S3Sink(stack, 'Sink', { name: 's3', writer });
  new BatchExporter(stack, 'Exporter', {
    stream: { name: 'demo', brokers: ['b-1.kafka.internal:9092'] },
    sink,
    image: ExporterImage.fromRegistry('public.ecr.aws/example/batch-exporter:1.0.0'),
    network: { subnetIds: ['subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] },
    pathPrefix: options.prefix,
    consumers: 2,
  });
}
