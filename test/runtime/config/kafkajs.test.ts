import crypto from 'node:crypto';
import {
  KafkaConfig,
  kafkaJsConfig,
  librdkafkaSettings,
  mskIamOauthBearerProvider,
} from '../../../runtime/config';

const BASE: KafkaConfig = {
  brokers: ['b-1:9092', 'b-2:9092'],
  clientId: 'client',
  groupId: 'group',
  client: 'kafkajs',
  tls: false,
};
const ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

function hmac(key: crypto.BinaryLike, data: string): Buffer {
  return crypto.createHmac('sha256', key).update(data).digest();
}

function sha256(data: string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** SigV4 query signing written out from the AWS specification, independent of the signer under test. */
function expectedSignature(url: URL, region: string, secret: string): string {
  const params = [...url.searchParams.entries()]
    .filter(([key]) => key !== 'X-Amz-Signature' && key !== 'User-Agent')
    .map(([key, value]) => [rfc3986(key), rfc3986(value)])
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalRequest = ['GET', '/', params, `host:${url.host}`, '', 'host', sha256('')].join('\n');
  const amzDate = url.searchParams.get('X-Amz-Date')!;
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${region}/kafka-cluster/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), 'kafka-cluster'), 'aws4_request');
  return hmac(key, stringToSign).toString('hex');
}

describe('kafkaJsConfig', () => {
  test('passes brokers, client id and TLS through without SASL', () => {
    expect(kafkaJsConfig({ ...BASE, tls: true })).toEqual({
      brokers: ['b-1:9092', 'b-2:9092'],
      clientId: 'client',
      ssl: true,
    });
  });

  test.each(['plain', 'scram-sha-256', 'scram-sha-512'] as const)(
    'configures SASL %s with user and password',
    (mechanism) => {
      const config = kafkaJsConfig({ ...BASE, sasl: { mechanism, username: 'user', password: 'pass-word' } });
      expect(config.sasl).toEqual({ mechanism, username: 'user', password: 'pass-word' });
    },
  );

  test('configures MSK IAM as OAUTHBEARER with a token provider', () => {
    const config = kafkaJsConfig({
      ...BASE,
      tls: true,
      sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' },
    });
    expect(config.sasl).toMatchObject({
      mechanism: 'oauthbearer',
      oauthBearerProvider: expect.any(Function),
    });
  });

  test('fails when MSK IAM has no region', () => {
    expect(() => kafkaJsConfig({ ...BASE, tls: true, sasl: { mechanism: 'aws-msk-iam' } })).toThrow(
      /kafka\.sasl\.region is required for aws-msk-iam/,
    );
  });
});

describe('mskIamOauthBearerProvider', () => {
  const credentials = async () => ({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET });

  test('signs a kafka-cluster:Connect URL for the region with SigV4, valid 15 minutes', async () => {
    const { value } = await mskIamOauthBearerProvider('eu-west-1', credentials)();
    const url = new URL(Buffer.from(value, 'base64url').toString('utf8'));
    expect(url.origin).toBe('https://kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      new RegExp(`^${ACCESS_KEY_ID}/\\d{8}/eu-west-1/kafka-cluster/aws4_request$`),
    );
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toBe(expectedSignature(url, 'eu-west-1', SECRET));
  });

  test('never puts the secret key into the token', async () => {
    const { value } = await mskIamOauthBearerProvider('us-east-1', credentials)();
    expect(Buffer.from(value, 'base64url').toString('utf8')).not.toContain(SECRET);
    expect(value).not.toContain(SECRET);
  });
});

describe('librdkafkaSettings', () => {
  test('maps brokers, client id and TLS to librdkafka properties without SASL', () => {
    expect(librdkafkaSettings({ ...BASE, tls: true })).toEqual({
      properties: {
        'bootstrap.servers': 'b-1:9092,b-2:9092',
        'client.id': 'client',
        'security.protocol': 'ssl',
      },
    });
    expect(librdkafkaSettings(BASE).properties['security.protocol']).toBe('plaintext');
  });

  test.each([
    ['plain', 'PLAIN'],
    ['scram-sha-256', 'SCRAM-SHA-256'],
    ['scram-sha-512', 'SCRAM-SHA-512'],
  ] as const)('configures SASL %s as %s with user and password', (mechanism, name) => {
    const { properties } = librdkafkaSettings({
      ...BASE,
      tls: true,
      sasl: { mechanism, username: 'user', password: 'pass-word' },
    });
    expect(properties).toMatchObject({
      'security.protocol': 'sasl_ssl',
      'sasl.mechanisms': name,
      'sasl.username': 'user',
      'sasl.password': 'pass-word',
    });
  });

  test('configures MSK IAM as OAUTHBEARER whose tokens are signed for the region', () => {
    const settings = librdkafkaSettings({
      ...BASE,
      tls: true,
      sasl: { mechanism: 'aws-msk-iam', region: 'eu-west-1' },
    });
    expect(settings).toEqual({
      properties: expect.objectContaining({
        'security.protocol': 'sasl_ssl',
        'sasl.mechanisms': 'OAUTHBEARER',
      }),
      oauthbearerRegion: 'eu-west-1',
    });
    expect(settings.properties).not.toHaveProperty('sasl.password');
  });

  test('fails when MSK IAM has no region', () => {
    expect(() => librdkafkaSettings({ ...BASE, tls: true, sasl: { mechanism: 'aws-msk-iam' } })).toThrow(
      /kafka\.sasl\.region is required for aws-msk-iam/,
    );
  });
});
