/**
 * The exporter runtime's configuration after validation: the contract between the configuration loader
 * (runtime/config), the data path (runtime/exporter) and the BatchExporter construct, which renders it into
 * the ECS task's environment with the same names.
 *
 * Environment variables (how ECS passes configuration); `*` marks secret-bearing ones:
 *
 * | variable                                 | field                               |
 * | ---------------------------------------- | ----------------------------------- |
 * | BATCH_EXPORTER_CONFIG_FILE               | a JSON file with the fields below (env wins) |
 * | BATCH_EXPORTER_NAME                      | exporterName                        |
 * | BATCH_EXPORTER_STREAM_NAME               | stream.name                         |
 * | BATCH_EXPORTER_TOPIC                     | stream.topic                        |
 * | BATCH_EXPORTER_KAFKA_BROKERS             | kafka.brokers (comma separated)     |
 * | BATCH_EXPORTER_KAFKA_CLIENT_ID           | kafka.clientId                      |
 * | BATCH_EXPORTER_KAFKA_GROUP_ID            | kafka.groupId                       |
 * | BATCH_EXPORTER_KAFKA_CLIENT              | kafka.client (kafkajs/native)       |
 * | BATCH_EXPORTER_KAFKA_TLS                 | kafka.tls (true/false)              |
 * | BATCH_EXPORTER_KAFKA_SASL_MECHANISM      | kafka.sasl.mechanism                |
 * | BATCH_EXPORTER_KAFKA_SASL_USERNAME       | kafka.sasl.username                 |
 * | BATCH_EXPORTER_KAFKA_SASL_PASSWORD *     | kafka.sasl.password                 |
 * | BATCH_EXPORTER_KAFKA_SASL_REGION         | kafka.sasl.region (aws-msk-iam; default AWS_REGION) |
 * | BATCH_EXPORTER_KAFKA_SESSION_TIMEOUT_MS  | kafka.sessionTimeoutMs              |
 * | BATCH_EXPORTER_KAFKA_HEARTBEAT_INTERVAL_MS | kafka.heartbeatIntervalMs         |
 * | BATCH_EXPORTER_KAFKA_METADATA_MAX_AGE_MS | kafka.metadataMaxAgeMs              |
 * | BATCH_EXPORTER_SINK_BUCKET               | sink.bucket                         |
 * | BATCH_EXPORTER_SINK_REGION               | sink.region                         |
 * | BATCH_EXPORTER_SINK_ENDPOINT             | sink.endpoint                       |
 * | BATCH_EXPORTER_SINK_CREDENTIALS *        | sink.credentials: `aws iam create-access-key` JSON or a GCS key |
 * | BATCH_EXPORTER_SINK_CREDENTIALS_FILE     | sink.credentials, from a file of either shape |
 * | BATCH_EXPORTER_SINK_REQUEST_TIMEOUT_MS   | sink.requestTimeoutMs               |
 * | BATCH_EXPORTER_PATH_PREFIX               | pathPrefix                          |
 * | BATCH_EXPORTER_INTERVAL_SECONDS          | intervalSeconds                     |
 * | BATCH_EXPORTER_INCLUDE_EXISTING_EVENTS   | includeExistingEvents (true/false)  |
 * | BATCH_EXPORTER_MAX_OBJECT_BYTES          | maxObjectBytes                      |
 * | BATCH_EXPORTER_HTTP_PORT                 | httpPort (/healthz and /metrics)    |
 * | BATCH_EXPORTER_LOG_LEVEL                 | logLevel                            |
 * | BATCH_EXPORTER_ON_DATA_LOSS              | onDataLoss (fail/skip)              |
 *
 * The credentials decide the sink type (runtime/config/sink-credentials.ts): the JSON `aws iam create-access-key`
 * prints is S3, a Google service account key file GCS. Without BATCH_EXPORTER_SINK_CREDENTIALS(_FILE) the sink
 * is S3 with the default AWS credential chain (task role).
 * Names: runtime/config/environment.ts (ENVIRONMENT); loader: runtime/config/load.ts (loadConfig);
 * JSON schema of the file: runtime/config/config.schema.json.
 */
export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512' | 'aws-msk-iam';

export type KafkaClient = 'kafkajs' | 'native';

export interface KafkaSaslConfig {
  readonly mechanism: SaslMechanism;
  /** For plain and scram; unused for aws-msk-iam (which signs with the AWS credential chain). */
  readonly username?: string;
  readonly password?: string;
  /** For aws-msk-iam: the region the OAUTHBEARER token is signed for. */
  readonly region?: string;
}

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Default: `batch-exporter-<exporterName>`. */
  readonly groupId: string;
  /** The client library that consumes: kafkajs (default) or the native addon over librdkafka. */
  readonly client: KafkaClient;
  readonly tls: boolean;
  readonly sasl?: KafkaSaslConfig;
  /** How long the group waits for a silent member before rebalancing its partitions. Default: kafkajs's 30000. */
  readonly sessionTimeoutMs?: number;
  /** Below sessionTimeoutMs (a third of it is usual). Default: kafkajs's 3000. */
  readonly heartbeatIntervalMs?: number;
  /** How often topic metadata is refreshed (new partitions are consumed within about this). Default: 30000. */
  readonly metadataMaxAgeMs?: number;
}

export type SinkCredentials =
  /** An S3 access key (`aws iam create-access-key`). */
  | { readonly kind: 'static'; readonly accessKeyId: string; readonly secretAccessKey: string }
  /** No credentials given: the default AWS credential chain (the task role), an S3 sink. */
  | { readonly kind: 'default-chain' }
  /** A Google service account key file: a GCS sink. */
  | {
      readonly kind: 'gcs-service-account';
      readonly projectId: string;
      readonly clientEmail: string;
      readonly privateKeyId: string;
      /** PEM, secret. */
      readonly privateKey: string;
    };

/** A sink's type is not a field: its credentials decide it (`sinkTypeOf` in runtime/config/load.ts). */
export interface SinkConfig {
  readonly bucket: string;
  /** S3 only. When absent the runtime asks GetBucketLocation. */
  readonly region?: string;
  /**
   * An S3-compatible endpoint (path-style addressing is used with it), or for GCS the root URL of a JSON API
   * endpoint (e.g. a local fake-gcs-server).
   */
  readonly endpoint?: string;
  readonly credentials: SinkCredentials;
  /** One S3 request's timeout before it is abandoned and retried. Default: the store's 30000. */
  readonly requestTimeoutMs?: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * When records the exporter has not stored yet were removed by retention: `fail` stops it with the lost
 * ranges (a restart stops again, so someone looks); `skip` logs the ranges, counts them in
 * `batch_exporter_records_lost_total` and exports everything still stored.
 */
export type DataLossPolicy = 'fail' | 'skip';

export interface ExporterConfig {
  readonly exporterName: string;
  readonly stream: { readonly name: string; readonly topic: string };
  readonly kafka: KafkaConfig;
  readonly sink: SinkConfig;
  /** No leading or trailing '/', no '//', not '.' or '..', at most 900 characters; undefined = bucket root. */
  readonly pathPrefix?: string;
  /** Default 60; at least 1. */
  readonly intervalSeconds: number;
  /** false: a new group starts at the latest offset; true: at the earliest. Default false. */
  readonly includeExistingEvents: boolean;
  /** Upper bound of one object's size, and so of the memory a batch holds. Default 64 MiB. */
  readonly maxObjectBytes: number;
  /** Port of /healthz and /metrics; 0 disables the HTTP server. Default 8080. */
  readonly httpPort: number;
  readonly logLevel: LogLevel;
  readonly onDataLoss: DataLossPolicy;
}
