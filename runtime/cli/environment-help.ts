/** The `--help` table of environment variables, from the same names and schema the loader uses. */
import { ENVIRONMENT, SECRET_ENVIRONMENT } from '../config/environment';

const DESCRIPTIONS: Record<keyof typeof ENVIRONMENT, string> = {
  configFile: 'a JSON file with the fields below (runtime/config/config.schema.json); variables win',
  exporterName: "the batch exporter's name, e.g. s3-demo",
  streamName: 'the stream name written into object names, e.g. demo',
  topic: 'the Kafka topic to export',
  kafkaBrokers: 'bootstrap brokers, comma separated host:port',
  kafkaClientId: 'Kafka client id (default batch-exporter-<name>)',
  kafkaGroupId: 'consumer group (default batch-exporter-<name>)',
  kafkaClient: 'kafkajs or native (librdkafka addon, built into the image) (default kafkajs)',
  kafkaTls: 'true/false: TLS to the brokers (default false)',
  kafkaSaslMechanism: 'plain, scram-sha-256, scram-sha-512 or aws-msk-iam (default none)',
  kafkaSaslUsername: 'SASL user name (plain, scram-*)',
  kafkaSaslPassword: 'SASL password (plain, scram-*)',
  kafkaSaslRegion: 'MSK cluster region for aws-msk-iam (default AWS_REGION)',
  kafkaSessionTimeoutMs: 'ms before a silent member loses its partitions (default 30000)',
  kafkaHeartbeatIntervalMs: 'ms between heartbeats, below the session timeout (default 3000)',
  kafkaMetadataMaxAgeMs:
    'ms between topic metadata refreshes: added partitions are consumed within it (default 30000)',
  sinkBucket: 'the S3 bucket',
  sinkRegion: "the bucket's region (default: GetBucketLocation)",
  sinkEndpoint: 'an S3-compatible endpoint URL (default AWS S3)',
  sinkCredentials: 'the JSON printed by `aws iam create-access-key`',
  sinkCredentialsFile: 'a file with that JSON (default: the AWS credential chain)',
  sinkRequestTimeoutMs: 'ms before one S3 request is abandoned and retried (default 30000)',
  pathPrefix: 'path prefix in the bucket, no leading/trailing "/" (default: bucket root)',
  intervalSeconds: 'seconds per object, >= 1 (default 60)',
  includeExistingEvents: 'true: a new group starts at the earliest offset (default false)',
  maxObjectBytes: 'largest object in bytes, bounds memory (default 67108864)',
  httpPort: '/healthz and /metrics port, 0 disables (default 8080)',
  logLevel: 'fatal, error, warn, info, debug or trace (default info)',
  onDataLoss: 'fail: stop on records lost to retention; skip: log them and go on (default fail)',
};

export function environmentHelp(): string {
  const width = Math.max(...Object.values(ENVIRONMENT).map((name) => name.length)) + 2;
  const rows = (Object.keys(ENVIRONMENT) as Array<keyof typeof ENVIRONMENT>).map((key) => {
    const name = ENVIRONMENT[key];
    const secret = SECRET_ENVIRONMENT.includes(name) ? ' [secret]' : '';
    return `  ${name.padEnd(width)}${DESCRIPTIONS[key]}${secret}`;
  });
  return ['', 'Environment variables:', ...rows, ''].join('\n');
}
