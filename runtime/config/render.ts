/**
 * The inverse of loadConfig for the non-secret fields: the environment an ECS task definition needs to run
 * the exporter with a given configuration. The BatchExporter construct renders its container environment
 * with this; secrets (SECRET_ENVIRONMENT) are never rendered here and go through ECS `secrets` instead.
 */
import { ENVIRONMENT } from './environment';
import { DataLossPolicy, KafkaClient, LogLevel, SaslMechanism } from './types';

/** The non-secret configuration; optional fields left out fall back to the runtime's defaults. */
export interface RenderableConfig {
  readonly exporterName: string;
  readonly stream: { readonly name: string; readonly topic: string };
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId?: string;
    readonly groupId?: string;
    readonly client?: KafkaClient;
    readonly tls?: boolean;
    readonly sasl?: {
      readonly mechanism: SaslMechanism;
      readonly username?: string;
      readonly region?: string;
    };
    readonly sessionTimeoutMs?: number;
    readonly heartbeatIntervalMs?: number;
    readonly metadataMaxAgeMs?: number;
  };
  readonly sink: {
    readonly bucket: string;
    readonly region?: string;
    readonly endpoint?: string;
    /** A path inside the container; usually the credentials come from the BATCH_EXPORTER_SINK_CREDENTIALS secret. */
    readonly credentialsFile?: string;
    readonly requestTimeoutMs?: number;
  };
  readonly pathPrefix?: string;
  readonly intervalSeconds?: number;
  readonly includeExistingEvents?: boolean;
  readonly maxObjectBytes?: number;
  readonly httpPort?: number;
  readonly logLevel?: LogLevel;
  readonly onDataLoss?: DataLossPolicy;
}

/**
 * Environment variables for the fields that are set, as strings (CDKTF tokens pass through unchanged).
 * Accepts an ExporterConfig too: its secret fields (SASL password, sink credentials) are ignored.
 */
export function renderEnvironment(config: RenderableConfig): Record<string, string> {
  const entries: Array<[string, string | number | boolean | undefined]> = [
    [ENVIRONMENT.exporterName, config.exporterName],
    [ENVIRONMENT.streamName, config.stream.name],
    [ENVIRONMENT.topic, config.stream.topic],
    [ENVIRONMENT.kafkaBrokers, config.kafka.brokers.join(',')],
    [ENVIRONMENT.kafkaClientId, config.kafka.clientId],
    [ENVIRONMENT.kafkaGroupId, config.kafka.groupId],
    [ENVIRONMENT.kafkaClient, config.kafka.client],
    [ENVIRONMENT.kafkaTls, config.kafka.tls],
    [ENVIRONMENT.kafkaSaslMechanism, config.kafka.sasl?.mechanism],
    [ENVIRONMENT.kafkaSaslUsername, config.kafka.sasl?.username],
    [ENVIRONMENT.kafkaSaslRegion, config.kafka.sasl?.region],
    [ENVIRONMENT.kafkaSessionTimeoutMs, config.kafka.sessionTimeoutMs],
    [ENVIRONMENT.kafkaHeartbeatIntervalMs, config.kafka.heartbeatIntervalMs],
    [ENVIRONMENT.kafkaMetadataMaxAgeMs, config.kafka.metadataMaxAgeMs],
    [ENVIRONMENT.sinkBucket, config.sink.bucket],
    [ENVIRONMENT.sinkRegion, config.sink.region],
    [ENVIRONMENT.sinkEndpoint, config.sink.endpoint],
    [ENVIRONMENT.sinkCredentialsFile, config.sink.credentialsFile],
    [ENVIRONMENT.sinkRequestTimeoutMs, config.sink.requestTimeoutMs],
    [ENVIRONMENT.pathPrefix, config.pathPrefix],
    [ENVIRONMENT.intervalSeconds, config.intervalSeconds],
    [ENVIRONMENT.includeExistingEvents, config.includeExistingEvents],
    [ENVIRONMENT.maxObjectBytes, config.maxObjectBytes],
    [ENVIRONMENT.httpPort, config.httpPort],
    [ENVIRONMENT.logLevel, config.logLevel],
    [ENVIRONMENT.onDataLoss, config.onDataLoss],
  ];
  const environment: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (value !== undefined) environment[name] = String(value);
  }
  return environment;
}
