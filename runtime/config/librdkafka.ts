/**
 * The librdkafka settings for a validated KafkaConfig: TLS and SASL (PLAIN, SCRAM, and AWS MSK IAM as
 * OAUTHBEARER, whose tokens the native consumer signs with signMskIamToken when librdkafka asks for one).
 * The native consumer adapter (runtime/kafka/native-consumer.ts) creates its clients from this, so
 * authentication lives here and in kafkajs.ts, side by side.
 */
import { KafkaConfig } from './types';

export interface LibrdkafkaSettings {
  /** librdkafka configuration properties (all strings). */
  readonly properties: Readonly<Record<string, string>>;
  /** Set for aws-msk-iam: the region tokens are signed for (librdkafka asks through a refresh callback). */
  readonly oauthbearerRegion?: string;
}

const SASL_MECHANISMS = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
  'aws-msk-iam': 'OAUTHBEARER',
} as const;

/** Connection and authentication properties; the consumer adds its own (group, fetch sizes). */
export function librdkafkaSettings(kafka: KafkaConfig): LibrdkafkaSettings {
  const sasl = kafka.sasl;
  const properties: Record<string, string> = {
    'bootstrap.servers': kafka.brokers.join(','),
    'client.id': kafka.clientId,
    'security.protocol': `${sasl ? 'sasl_' : ''}${kafka.tls ? 'ssl' : 'plaintext'}`,
  };
  if (!sasl) return { properties };
  properties['sasl.mechanisms'] = SASL_MECHANISMS[sasl.mechanism];
  if (sasl.mechanism !== 'aws-msk-iam') {
    properties['sasl.username'] = sasl.username ?? '';
    properties['sasl.password'] = sasl.password ?? '';
    return { properties };
  }
  if (!sasl.region) throw new Error('kafka.sasl.region is required for aws-msk-iam (loadConfig enforces it)');
  return { properties, oauthbearerRegion: sasl.region };
}
