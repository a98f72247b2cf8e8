/**
 * The environment variable names of the exporter's configuration: the contract between the runtime's
 * configuration loader and the BatchExporter construct, which renders the ECS task environment with them.
 * Renaming one breaks every deployed task definition, so treat them as public API.
 */
export const ENVIRONMENT = {
  configFile: 'BATCH_EXPORTER_CONFIG_FILE',
  exporterName: 'BATCH_EXPORTER_NAME',
  streamName: 'BATCH_EXPORTER_STREAM_NAME',
  topic: 'BATCH_EXPORTER_TOPIC',
  kafkaBrokers: 'BATCH_EXPORTER_KAFKA_BROKERS',
  kafkaClientId: 'BATCH_EXPORTER_KAFKA_CLIENT_ID',
  kafkaGroupId: 'BATCH_EXPORTER_KAFKA_GROUP_ID',
  kafkaClient: 'BATCH_EXPORTER_KAFKA_CLIENT',
  kafkaTls: 'BATCH_EXPORTER_KAFKA_TLS',
  kafkaSaslMechanism: 'BATCH_EXPORTER_KAFKA_SASL_MECHANISM',
  kafkaSaslUsername: 'BATCH_EXPORTER_KAFKA_SASL_USERNAME',
  kafkaSaslPassword: 'BATCH_EXPORTER_KAFKA_SASL_PASSWORD',
  kafkaSaslRegion: 'BATCH_EXPORTER_KAFKA_SASL_REGION',
  kafkaSessionTimeoutMs: 'BATCH_EXPORTER_KAFKA_SESSION_TIMEOUT_MS',
  kafkaHeartbeatIntervalMs: 'BATCH_EXPORTER_KAFKA_HEARTBEAT_INTERVAL_MS',
  kafkaMetadataMaxAgeMs: 'BATCH_EXPORTER_KAFKA_METADATA_MAX_AGE_MS',
  sinkBucket: 'BATCH_EXPORTER_SINK_BUCKET',
  sinkRegion: 'BATCH_EXPORTER_SINK_REGION',
  sinkEndpoint: 'BATCH_EXPORTER_SINK_ENDPOINT',
  sinkCredentials: 'BATCH_EXPORTER_SINK_CREDENTIALS',
  sinkCredentialsFile: 'BATCH_EXPORTER_SINK_CREDENTIALS_FILE',
  sinkRequestTimeoutMs: 'BATCH_EXPORTER_SINK_REQUEST_TIMEOUT_MS',
  pathPrefix: 'BATCH_EXPORTER_PATH_PREFIX',
  intervalSeconds: 'BATCH_EXPORTER_INTERVAL_SECONDS',
  includeExistingEvents: 'BATCH_EXPORTER_INCLUDE_EXISTING_EVENTS',
  maxObjectBytes: 'BATCH_EXPORTER_MAX_OBJECT_BYTES',
  httpPort: 'BATCH_EXPORTER_HTTP_PORT',
  logLevel: 'BATCH_EXPORTER_LOG_LEVEL',
  onDataLoss: 'BATCH_EXPORTER_ON_DATA_LOSS',
} as const;

export type EnvironmentKey = keyof typeof ENVIRONMENT;
export type EnvironmentVariable = (typeof ENVIRONMENT)[EnvironmentKey];

/**
 * Variables whose values are secrets. The construct must pass them as ECS `secrets` (from Secrets Manager),
 * never as plain `environment`; the runtime never prints their values.
 */
export const SECRET_ENVIRONMENT: readonly EnvironmentVariable[] = [
  ENVIRONMENT.kafkaSaslPassword,
  ENVIRONMENT.sinkCredentials,
];

/** Every prefix-matching variable the loader understands; any other `BATCH_EXPORTER_*` is reported as a typo. */
export const ENVIRONMENT_PREFIX = 'BATCH_EXPORTER_';

export const KNOWN_ENVIRONMENT: ReadonlySet<string> = new Set(Object.values(ENVIRONMENT));
