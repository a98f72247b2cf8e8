/** The construct library: bucket, least-privilege writer, sink and batch exporter as one CDKTF graph. */
export * from './bucket/export-bucket';
export * from './writer/permissions';
export * from './writer/sink-writer';
export * from './sink/s3-sink';
export * from './sink/deploy-validation';
export * from './sink/sink-secret';
export * from './sink/from-credentials-file';
export * from './gcs/gcs-export-bucket';
export * from './gcs/gcs-sink-writer';
export * from './gcs/gcs-sink';
export * from './exporter/exporter-image';
export * from './exporter/exporter-props';
export * from './exporter/batch-exporter';
export * from './s3-batch-export';
export * as secureDefaults from './core/secure-defaults';
export { PropProblems } from './core/problems';
export * from './aspects';
export { StackGraph, readSynthOutput } from '../review/plan/graph';
