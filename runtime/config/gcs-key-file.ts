/**
 * A Google Cloud service account key file, as `gcloud iam service-accounts keys create key.json
 * --iam-account <account>` (or the console's "Add key → JSON") writes it: the GCS half of the sink
 * credentials detection (./sink-credentials.ts). Only `private_key` is secret; no problem ever shows it.
 */
import { createPrivateKey } from 'node:crypto';
import { CheckedCredentials, ConfigProblem, problem } from './problems';
import { displayValue } from './redact';

export interface ServiceAccountKey {
  readonly projectId: string;
  readonly clientEmail: string;
  readonly privateKeyId: string;
  /** PEM (PKCS#8), secret. */
  readonly privateKey: string;
}

export type ServiceAccountKeyResult = CheckedCredentials<ServiceAccountKey>;

const FIELD = 'sink.credentials';

/** How to get a GCS sink's credentials file, quoted in every fix. */
export const HOW_TO_CREATE_SERVICE_ACCOUNT_KEY =
  'use the JSON key file that `gcloud iam service-accounts keys create key.json --iam-account ' +
  '<account>@<project>.iam.gserviceaccount.com` writes, unchanged ("type": "service_account" with ' +
  'project_id, private_key_id, private_key and client_email)';

/** The fields the runtime needs, each a non-empty string; the rest of Google's fields are allowed, not needed. */
const REQUIRED = ['project_id', 'private_key_id', 'private_key', 'client_email'] as const;

const CLIENT_EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** True when the document says it is a service account key (`"type": "service_account"`). */
export function isServiceAccountDocument(document: Record<string, unknown>): boolean {
  return document.type === 'service_account';
}

/**
 * Validates a parsed `"type": "service_account"` document: every missing or empty field is its own problem,
 * then the e-mail's and the private key's form. The private key must parse as a PEM private key, so a key
 * pasted with its `\n` escapes lost is found here rather than at the first upload.
 */
export function serviceAccountFromDocument(
  document: Record<string, unknown>,
  source: string,
): ServiceAccountKeyResult {
  const problems: ConfigProblem[] = [];
  for (const name of REQUIRED) {
    const value = document[name];
    if (typeof value === 'string' && value.trim() !== '') continue;
    problems.push(
      problem({
        field: `${FIELD} ${name}`,
        source,
        problem:
          value === undefined
            ? 'is missing from the service account key'
            : 'must be a non-empty string in the service account key',
        ...(value !== undefined && { shown: displayValue(value, name === 'private_key') }),
        fix: HOW_TO_CREATE_SERVICE_ACCOUNT_KEY,
      }),
    );
  }
  const email = document.client_email;
  if (typeof email === 'string' && email.trim() !== '' && !CLIENT_EMAIL.test(email)) {
    problems.push(
      problem({
        field: `${FIELD} client_email`,
        source,
        problem: 'is not an e-mail address like "exporter@my-project.iam.gserviceaccount.com"',
        shown: displayValue(email),
        fix: 'copy client_email exactly as the key file has it',
      }),
    );
  }
  const key = document.private_key;
  if (typeof key === 'string' && key.trim() !== '' && !isPemPrivateKey(key)) {
    problems.push(
      problem({
        field: `${FIELD} private_key`,
        source,
        problem:
          'is not a PEM private key ("-----BEGIN PRIVATE KEY-----\\n...", with its line breaks as \\n in the JSON)',
        shown: displayValue(key, true),
        fix: 'use the key file as gcloud wrote it; if it was edited, create a new key',
      }),
    );
  }
  if (problems.length > 0) return { errors: problems };
  return {
    credentials: {
      projectId: document.project_id as string,
      clientEmail: document.client_email as string,
      privateKeyId: document.private_key_id as string,
      privateKey: key as string,
    },
  };
}

function isPemPrivateKey(text: string): boolean {
  if (!text.includes('-----BEGIN') || !text.includes('PRIVATE KEY-----')) return false;
  try {
    createPrivateKey({ key: text, format: 'pem' });
    return true;
  } catch {
    return false;
  }
}
