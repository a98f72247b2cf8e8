import type { SinkConfig } from '../../runtime/config/types';
import { serviceAccountKeyFile } from '../../local/gcs/service-account-key';

export { serviceAccountKeyFile, testPrivateKeyPem } from '../../local/gcs/service-account-key';

/** A GCS sink config with the test key, as the loader makes it from a key file. */
export function gcsSink(endpoint: string, bucket: string): SinkConfig {
  const key = serviceAccountKeyFile();
  return {
    bucket,
    endpoint,
    credentials: {
      kind: 'gcs-service-account',
      projectId: key.project_id as string,
      clientEmail: key.client_email as string,
      privateKeyId: key.private_key_id as string,
      privateKey: key.private_key as string,
    },
  };
}
