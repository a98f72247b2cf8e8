import { Construct } from 'constructs';

import { ExportBucket, ExportBucketProps, IExportBucket } from './bucket/export-bucket';
import { pathOf, PropProblems } from './core/problems';
import { BatchExporter } from './exporter/batch-exporter';
import { ExporterImage } from './exporter/exporter-image';
import { BatchExporterProps, ExporterNetworkProps, StreamProps } from './exporter/exporter-props';
import { S3Sink, S3SinkProps } from './sink/s3-sink';
import { SinkWriter, SinkWriterProps, WriterMode } from './writer/sink-writer';

/** Exporter settings S3BatchExport passes through (stream, sink, image and network are its own props). */
export type ExporterOptions = Omit<BatchExporterProps, 'stream' | 'sink' | 'image' | 'network'>;
/** Sink settings S3BatchExport passes through. */
export type SinkOptions = Omit<S3SinkProps, 'name' | 'writer' | 'credentialsFile' | 'bucket' | 'prefix'>;
/** Writer settings S3BatchExport passes through. */
export type WriterOptions = Omit<SinkWriterProps, 'bucket' | 'prefix'>;

/** Props of the whole export: bucket, writer, sink and exporter for one stream. */
export interface S3BatchExportProps {
  /** The stream to export. */
  readonly stream: StreamProps;
  /** Where the exporter's tasks run. */
  readonly network: ExporterNetworkProps;
  /**
   * The runtime image.
   * @default ExporterImage.fromRuntimeSources() - built from this package and pushed to a new ECR repository
   */
  readonly image?: ExporterImage;
  /**
   * The sink's name.
   * @default 's3'
   */
  readonly sinkName?: string;
  /**
   * A bucket this stack does not create (`ExportBucket.fromBucketName`). Give this or `bucketProps`, not both.
   * @default - a new ExportBucket with secure defaults
   */
  readonly bucket?: IExportBucket;
  /**
   * Props of the new bucket.
   * @default - secure defaults, a name Terraform generates
   */
  readonly bucketProps?: ExportBucketProps;
  /**
   * The prefix: the writer may write under it and the exporter writes to it.
   * @default - the bucket root
   */
  readonly prefix?: string;
  /**
   * An existing `s3.json` for the sink instead of a new writer (needs `bucket`).
   * @default - a new SinkWriter with its own user and key
   */
  readonly credentialsFile?: string;
  /**
   * Settings of the new writer (mode, user name, path, pgpKey, tags).
   * @default - an IAM user with an access key
   */
  readonly writerOptions?: WriterOptions;
  /**
   * Settings of the sink (region, endpoint, secret key, deploy-time validation, tags).
   * @default - S3Sink defaults
   */
  readonly sinkOptions?: SinkOptions;
  /**
   * Settings of the exporter (name, interval, pathPrefix, consumers, sizes, logs, tags).
   * @default - BatchExporter defaults
   */
  readonly exporterOptions?: ExporterOptions;
}

/**
 * The common case in one construct: a bucket with secure defaults (or an existing one), the least-privilege
 * writer (or an existing `s3.json`), the sink and the batch exporter, wired so Terraform creates them in
 * that order and destroys them in reverse. Every part is reachable for escape hatches: `bucket`, `writer`,
 * `sink`, `exporter` (and through them every Terraform resource).
 */
export class S3BatchExport extends Construct {
  public readonly bucket: IExportBucket;
  /** Undefined when the sink is made from a credentials file. */
  public readonly writer?: SinkWriter;
  public readonly sink: S3Sink;
  public readonly exporter: BatchExporter;

  public constructor(scope: Construct, id: string, props: S3BatchExportProps) {
    super(scope, id);
    validate(pathOf(scope, id), props);
    this.bucket = props.bucket ?? new ExportBucket(this, 'Bucket', props.bucketProps);
    const sinkName = props.sinkName ?? 's3';
    if (props.credentialsFile === undefined) {
      this.writer = new SinkWriter(this, 'Writer', {
        ...props.writerOptions,
        bucket: this.bucket,
        prefix: props.prefix,
      });
      this.sink = new S3Sink(this, 'Sink', { ...props.sinkOptions, name: sinkName, writer: this.writer });
    } else {
      this.sink = new S3Sink(this, 'Sink', {
        ...props.sinkOptions,
        name: sinkName,
        credentialsFile: props.credentialsFile,
        bucket: this.bucket,
        prefix: props.prefix,
      });
    }
    this.exporter = new BatchExporter(this, 'Exporter', {
      ...props.exporterOptions,
      stream: props.stream,
      sink: this.sink,
      image: props.image ?? ExporterImage.fromRuntimeSources(),
      network: props.network,
    });
  }
}

function validate(path: string, props: S3BatchExportProps): void {
  const problems = new PropProblems('S3BatchExport', path);
  if (props.bucket !== undefined && props.bucketProps !== undefined) {
    problems.add(
      'bucketProps',
      Object.keys(props.bucketProps),
      'is given together with bucket (an existing bucket cannot get new settings)',
      'give bucket (existing) or bucketProps (new), not both',
    );
  }
  if (props.credentialsFile !== undefined) {
    if (props.bucket === undefined) {
      problems.add(
        'bucket',
        undefined,
        'is required with credentialsFile (the key in s3.json writes to a bucket that already exists)',
        'pass bucket: ExportBucket.fromBucketName(scope, "Bucket", "<bucket name>")',
      );
    }
    if (props.writerOptions !== undefined) {
      problems.add(
        'writerOptions',
        Object.keys(props.writerOptions),
        'is given together with credentialsFile, so no writer is created',
        'remove writerOptions, or remove credentialsFile to create a writer',
      );
    }
  }
  if (props.writerOptions?.mode === WriterMode.TASK_ROLE && props.sinkOptions?.validateOnDeploy === true) {
    problems.add(
      'sinkOptions.validateOnDeploy',
      true,
      'cannot work in task-role mode (only the task can use the role)',
      'remove it; the runtime writes the validation object when each task starts',
    );
  }
  problems.throwIfAny();
}
