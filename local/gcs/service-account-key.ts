/**
 * A service account key file for the local GCS server (which accepts any credentials): a real RSA key in the
 * exact shape `gcloud iam service-accounts keys create` writes, so the runtime's detection and the client
 * treat it as they treat a real one. For tests, the demo and the fault matrix.
 */
import { generateKeyPairSync } from 'node:crypto';

let cachedPem: string | undefined;

/** A real RSA private key in PEM (PKCS#8), made once per test process. */
export function testPrivateKeyPem(): string {
  cachedPem ??= generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  return cachedPem;
}

/** A service account key file in the exact shape `gcloud iam service-accounts keys create` writes. */
export function serviceAccountKeyFile(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'service_account',
    project_id: 'strm-export-demo',
    private_key_id: '0123456789abcdef0123456789abcdef01234567',
    private_key: testPrivateKeyPem(),
    client_email: 'batch-exporter@strm-export-demo.iam.gserviceaccount.com',
    client_id: '112233445566778899001',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
    auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
    client_x509_cert_url:
      'https://www.googleapis.com/robot/v1/metadata/x509/batch-exporter%40strm-export-demo.iam.gserviceaccount.com',
    universe_domain: 'googleapis.com',
    ...overrides,
  };
}
