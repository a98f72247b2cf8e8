/**
 * The construct library: an export bucket, its least-privilege writer, the sink that holds the writer's
 * credentials (S3, or Google Cloud Storage) and the batch exporter service, as one Terraform graph, plus guard-rail Aspects for your own
 * stacks. Everything users may import is named here; nothing else of the package is public API.
 */
export { ExportBucket } from './bucket/export-bucket';
export type { ExistingBucketAttributes, ExportBucketProps, IExportBucket } from './bucket/export-bucket';
export { SinkWriter, WriterMode } from './writer/sink-writer';
export type { ISinkWriter, SinkWriterProps } from './writer/sink-writer';
export { S3Sink } from './sink/s3-sink';
export type { ISink, ISinkBucket, S3SinkProps, SinkCredentials } from './sink/s3-sink';
export { SinkDeployValidation } from './sink/deploy-validation';
export type { DeployValidationOptions, ValidationTarget } from './sink/deploy-validation';
export { ExporterImage } from './exporter/exporter-image';
export type { BoundExporterImage, ImageProblem } from './exporter/exporter-image';
export type { RuntimeImageOptions } from './exporter/bundled-image';
export type { AllowPolicyDocument, AllowStatement } from './writer/permissions';
export type { DataLossPolicy, LogLevel, SaslMechanism } from '../runtime/config/types';
export type { SinkType } from '../runtime/config/sink-credentials';
export type {
  BatchExporterProps,
  ExporterNetworkProps,
  StreamAuth,
  StreamProps,
} from './exporter/exporter-props';
export { BatchExporter } from './exporter/batch-exporter';
export type { IBatchExporter } from './exporter/batch-exporter';
export { S3BatchExport } from './s3-batch-export';
export type { ExporterOptions, S3BatchExportProps, SinkOptions, WriterOptions } from './s3-batch-export';
export {
  ExportGuardRails,
  NoPlaintextSecrets,
  SecureExportBuckets,
  SinkWriterLeastPrivilege,
} from './aspects/aspects';
export { sinkFromCredentialsFile } from './sink/from-credentials-file';
export type { SinkFromCredentialsFileProps } from './sink/from-credentials-file';
export type { SinkSecretProps } from './sink/sink-secret';
export { GcsExportBucket } from './gcs/gcs-export-bucket';
export type { GcsExportBucketProps, IGcsExportBucket } from './gcs/gcs-export-bucket';
export { GcsSinkWriter } from './gcs/gcs-sink-writer';
export type { GcsSinkWriterProps, IGcsSinkWriter } from './gcs/gcs-sink-writer';
export { GcsSink } from './gcs/gcs-sink';
export type { GcsSinkProps } from './gcs/gcs-sink';
