/**
 * The JSON schema of the exporter's configuration input: the JSON file (BATCH_EXPORTER_CONFIG_FILE / --config)
 * and, after the environment variables are merged over it, the whole input. Published as
 * runtime/config/config.schema.json (kept identical by a test; regenerate with
 * `node dist/runtime/config/write-schema.js`). Each `description` says what a valid value is and is quoted
 * as the fix in error messages.
 */
import {
  BUCKET_NAME_PATTERN,
  BUCKET_NAME_RULE,
  PATH_PREFIX_MAX_LENGTH,
  PATH_PREFIX_PATTERN,
  PATH_PREFIX_RULE,
  REGION_PATTERN,
} from './rules';

export const DEFAULT_INTERVAL_SECONDS = 60;
export const MAX_INTERVAL_SECONDS = 86_400;
export const DEFAULT_MAX_OBJECT_BYTES = 64 * 1024 * 1024;
/** Below this one event barely fits; above it one batch would hold too much memory in a task. */
export const MIN_MAX_OBJECT_BYTES = 1024;
export const MAX_MAX_OBJECT_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_HTTP_PORT = 8080;
export const DEFAULT_LOG_LEVEL = 'info';
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
/** What the exporter does when records it has not stored yet were removed by retention. */
export const DATA_LOSS_POLICIES = ['fail', 'skip'] as const;
export const DEFAULT_ON_DATA_LOSS = 'fail';
/** The Kafka client library the consumer runs on (runtime/kafka). */
export const KAFKA_CLIENTS = ['kafkajs', 'native'] as const;
export const DEFAULT_KAFKA_CLIENT = 'kafkajs';
/**
 * How often the consumer refreshes the topic's metadata, so the group rebalances onto partitions added while
 * it runs. Both clients default to 5 minutes (kafkajs metadataMaxAge, librdkafka
 * topic.metadata.refresh.interval.ms); 30 s bounds the wait for a new partition at the cost of one small
 * Metadata request per 30 s.
 */
export const DEFAULT_METADATA_MAX_AGE_MS = 30_000;
export const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512', 'aws-msk-iam'] as const;

const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$';
const NAME_RULE = '1 to 128 letters, digits, ".", "_" or "-", starting with a letter or digit';

export const CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Batch exporter configuration',
  description:
    'Configuration of the batch exporter runtime. Environment variables (BATCH_EXPORTER_*) override the fields of this file.',
  type: 'object',
  additionalProperties: false,
  required: ['exporterName', 'stream', 'kafka', 'sink'],
  properties: {
    $schema: { type: 'string', description: 'the URL or path of this schema, for editors' },
    exporterName: {
      type: 'string',
      pattern: NAME_PATTERN,
      description: `the batch exporter's name: ${NAME_RULE}, e.g. "s3-demo"`,
    },
    stream: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'topic'],
      description: 'the stream to export: its name (used in object names) and its Kafka topic',
      properties: {
        name: {
          type: 'string',
          pattern: NAME_PATTERN,
          description: `the stream's name, written into every object name: ${NAME_RULE}, e.g. "demo"`,
        },
        topic: {
          type: 'string',
          pattern: '^[A-Za-z0-9._-]{1,249}$',
          description: 'the Kafka topic: 1 to 249 letters, digits, ".", "_" or "-"',
        },
      },
    },
    kafka: {
      type: 'object',
      additionalProperties: false,
      required: ['brokers'],
      description: 'how to reach the Kafka cluster',
      properties: {
        brokers: {
          type: 'array',
          minItems: 1,
          description: 'one or more "host:port" bootstrap brokers (comma separated in the environment)',
          items: {
            type: 'string',
            pattern: '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+):[0-9]{1,5}$',
            description: 'a bootstrap broker as "host:port", e.g. "b-1.kafka.internal:9092"',
          },
        },
        clientId: {
          type: 'string',
          pattern: '^[A-Za-z0-9._-]{1,255}$',
          description:
            'the Kafka client id: 1 to 255 letters, digits, ".", "_" or "-" (default batch-exporter-<exporterName>)',
        },
        groupId: {
          type: 'string',
          pattern: '^[A-Za-z0-9._-]{1,255}$',
          description:
            'the consumer group: 1 to 255 letters, digits, ".", "_" or "-" (default batch-exporter-<exporterName>)',
        },
        client: {
          type: 'string',
          enum: [...KAFKA_CLIENTS],
          description:
            '"kafkajs" (pure JavaScript) or "native" (the runtime\'s addon over librdkafka, built into the image), ' +
            `the client that consumes the topic (default ${DEFAULT_KAFKA_CLIENT})`,
        },
        tls: {
          type: 'boolean',
          description: 'true or false: connect to the brokers with TLS (default false)',
        },
        sessionTimeoutMs: {
          type: 'integer',
          minimum: 3000,
          maximum: 300000,
          description:
            "milliseconds before the group gives a silent member's partitions to others, 3000 to 300000 (default 30000)",
        },
        heartbeatIntervalMs: {
          type: 'integer',
          minimum: 100,
          maximum: 100000,
          description: 'milliseconds between heartbeats, below sessionTimeoutMs (default 3000)',
        },
        metadataMaxAgeMs: {
          type: 'integer',
          minimum: 1000,
          maximum: 3600000,
          description:
            'milliseconds between topic metadata refreshes: how soon partitions added to the topic are consumed, ' +
            `1000 to 3600000 (default ${DEFAULT_METADATA_MAX_AGE_MS})`,
        },
        sasl: {
          type: 'object',
          additionalProperties: false,
          required: ['mechanism'],
          description: 'SASL authentication; leave unset for none',
          properties: {
            mechanism: {
              type: 'string',
              enum: [...SASL_MECHANISMS],
              description: `one of ${SASL_MECHANISMS.join(', ')}`,
            },
            username: { type: 'string', minLength: 1, description: 'the SASL user name (plain and scram-*)' },
            password: {
              type: 'string',
              minLength: 1,
              description: 'the SASL password (plain and scram-*), passed as a secret',
            },
            region: {
              type: 'string',
              pattern: REGION_PATTERN,
              description:
                'the AWS region of the MSK cluster for aws-msk-iam, e.g. "eu-west-1" (default: AWS_REGION of the task)',
            },
          },
        },
      },
    },
    sink: {
      type: 'object',
      additionalProperties: false,
      required: ['bucket'],
      description:
        'the bucket the objects are written to: in S3, or in Google Cloud Storage when the credentials are a service account key',
      properties: {
        bucket: {
          type: 'string',
          pattern: BUCKET_NAME_PATTERN,
          description: `an S3 bucket name: ${BUCKET_NAME_RULE}`,
        },
        region: {
          type: 'string',
          pattern: REGION_PATTERN,
          description:
            'the S3 bucket\'s AWS region, e.g. "eu-west-1" (default: asked with GetBucketLocation); not for GCS',
        },
        endpoint: {
          type: 'string',
          pattern: '^https?://[^\\s/]+(/[^\\s]*)?$',
          description:
            'the URL of an S3-compatible endpoint, e.g. "http://127.0.0.1:9000", or for GCS of a JSON API endpoint (default: AWS S3, or Google Cloud Storage)',
        },
        requestTimeoutMs: {
          type: 'integer',
          minimum: 100,
          maximum: 600000,
          description:
            'milliseconds before one storage request is abandoned and retried, 100 to 600000 (default 30000)',
        },
        credentialsFile: {
          type: 'string',
          minLength: 1,
          description:
            'the path of a JSON file as printed by `aws iam create-access-key` (an S3 sink) or a Google service account key file (a GCS sink) (default: the AWS credential chain, S3)',
        },
      },
    },
    pathPrefix: {
      type: 'string',
      maxLength: PATH_PREFIX_MAX_LENGTH,
      pattern: PATH_PREFIX_PATTERN,
      description: PATH_PREFIX_RULE,
    },
    intervalSeconds: {
      type: 'integer',
      minimum: 1,
      maximum: MAX_INTERVAL_SECONDS,
      description: `whole seconds between objects, 1 to ${MAX_INTERVAL_SECONDS} (default ${DEFAULT_INTERVAL_SECONDS})`,
    },
    includeExistingEvents: {
      type: 'boolean',
      description:
        'true to start a new consumer group at the earliest offset, false at the latest (default false)',
    },
    maxObjectBytes: {
      type: 'integer',
      minimum: MIN_MAX_OBJECT_BYTES,
      maximum: MAX_MAX_OBJECT_BYTES,
      description: `the largest object in bytes, ${MIN_MAX_OBJECT_BYTES} to ${MAX_MAX_OBJECT_BYTES} (default ${DEFAULT_MAX_OBJECT_BYTES}, 64 MiB)`,
    },
    httpPort: {
      type: 'integer',
      minimum: 0,
      maximum: 65535,
      description: `the port of /healthz and /metrics, 1 to 65535, or 0 to disable them (default ${DEFAULT_HTTP_PORT})`,
    },
    logLevel: {
      type: 'string',
      enum: [...LOG_LEVELS],
      description: `one of ${LOG_LEVELS.join(', ')} (default ${DEFAULT_LOG_LEVEL})`,
    },
    onDataLoss: {
      type: 'string',
      enum: [...DATA_LOSS_POLICIES],
      description:
        '"fail" (stop with the lost offset ranges, exit 1) or "skip" (log and count them, export the rest), ' +
        `for records removed by retention before they were exported (default ${DEFAULT_ON_DATA_LOSS})`,
    },
  },
} as const;

/** The input before defaults: the JSON file's shape, and the environment's after parsing. */
export interface ExporterConfigInput {
  exporterName?: string;
  stream?: { name?: string; topic?: string };
  kafka?: {
    brokers?: string[];
    clientId?: string;
    groupId?: string;
    client?: string;
    tls?: boolean;
    sasl?: { mechanism?: string; username?: string; password?: string; region?: string };
    sessionTimeoutMs?: number;
    heartbeatIntervalMs?: number;
    metadataMaxAgeMs?: number;
  };
  sink?: {
    bucket?: string;
    region?: string;
    endpoint?: string;
    credentialsFile?: string;
    requestTimeoutMs?: number;
  };
  pathPrefix?: string;
  intervalSeconds?: number;
  includeExistingEvents?: boolean;
  maxObjectBytes?: number;
  httpPort?: number;
  logLevel?: string;
  onDataLoss?: string;
}
