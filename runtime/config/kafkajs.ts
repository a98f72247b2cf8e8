/**
 * The kafkajs client options for a validated KafkaConfig: TLS and SASL (PLAIN, SCRAM, and AWS MSK IAM as
 * OAUTHBEARER with a token signed by AWS's aws-msk-iam-sasl-signer-js). The data path's consumer adapter
 * builds its `new Kafka(...)` from this, so authentication lives in one place.
 */
import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { KafkaConfig as KafkaJsConfig, OauthbearerProviderResponse, SASLOptions } from 'kafkajs';
import { KafkaConfig } from './types';

export interface KafkaJsConfigOptions {
  /**
   * Credentials that sign MSK IAM tokens.
   * @default - the AWS default credential chain (the ECS task role)
   */
  readonly awsCredentials?: AwsCredentialIdentityProvider;
}

/** A signed MSK IAM token and when it expires (epoch ms). */
export interface MskIamToken {
  readonly token: string;
  readonly expiryTime: number;
}

/** Signs a fresh `kafka-cluster:Connect` token for MSK IAM (valid 15 minutes). */
export async function signMskIamToken(
  region: string,
  awsCredentials?: AwsCredentialIdentityProvider,
): Promise<MskIamToken> {
  // Loaded on first use: the signer pulls in the STS client, which configurations without MSK IAM never need.
  const { generateAuthToken, generateAuthTokenFromCredentialsProvider } =
    await import('aws-msk-iam-sasl-signer-js');
  const { token, expiryTime } = awsCredentials
    ? await generateAuthTokenFromCredentialsProvider({ region, awsCredentialsProvider: awsCredentials })
    : await generateAuthToken({ region });
  return { token, expiryTime };
}

/**
 * An OAUTHBEARER provider for MSK IAM: every call signs a fresh token; kafkajs calls it on each
 * (re)authentication.
 */
export function mskIamOauthBearerProvider(
  region: string,
  awsCredentials?: AwsCredentialIdentityProvider,
): () => Promise<OauthbearerProviderResponse> {
  return async () => ({ value: (await signMskIamToken(region, awsCredentials)).token });
}

function saslOptions(kafka: KafkaConfig, options: KafkaJsConfigOptions): SASLOptions | undefined {
  const sasl = kafka.sasl;
  if (!sasl) return undefined;
  switch (sasl.mechanism) {
    case 'aws-msk-iam':
      if (!sasl.region)
        throw new Error('kafka.sasl.region is required for aws-msk-iam (loadConfig enforces it)');
      return {
        mechanism: 'oauthbearer',
        oauthBearerProvider: mskIamOauthBearerProvider(sasl.region, options.awsCredentials),
      };
    case 'plain':
    case 'scram-sha-256':
    case 'scram-sha-512':
      return { mechanism: sasl.mechanism, username: sasl.username ?? '', password: sasl.password ?? '' };
  }
}

/** `new Kafka(kafkaJsConfig(config.kafka))`; add logCreator/retry at the call site as needed. */
export function kafkaJsConfig(kafka: KafkaConfig, options: KafkaJsConfigOptions = {}): KafkaJsConfig {
  const sasl = saslOptions(kafka, options);
  return {
    brokers: [...kafka.brokers],
    clientId: kafka.clientId,
    ssl: kafka.tls,
    ...(sasl && { sasl }),
  };
}
