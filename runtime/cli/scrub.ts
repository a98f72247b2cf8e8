/**
 * Defence in depth behind redaction by key: every line the process prints (logs and messages) has the
 * configured secret values replaced, so even a library error that quotes a secret cannot leak it.
 */
import { redacted } from '../config/redact';
import { ExporterConfig, SinkCredentials } from '../config/types';

/** Shorter values are too likely to match ordinary text; real secrets are far longer. */
const MIN_SECRET_LENGTH = 6;

export type Scrubber = (text: string) => string;

export function secretsOf(config: {
  readonly kafka?: ExporterConfig['kafka'];
  readonly sink: { readonly credentials: SinkCredentials };
}): string[] {
  const secrets: string[] = [];
  if (config.kafka?.sasl?.password !== undefined) secrets.push(config.kafka.sasl.password);
  const { credentials } = config.sink;
  if (credentials.kind === 'static') secrets.push(credentials.secretAccessKey);
  if (credentials.kind === 'gcs-service-account') {
    secrets.push(credentials.privateKey);
    // A library quoting the key may have re-wrapped it: each base64 line on its own is scrubbed too.
    secrets.push(
      ...credentials.privateKey.split('\n').filter((line) => line.length >= 40 && !line.startsWith('-----')),
    );
  }
  return secrets;
}

export function createScrubber(secrets: readonly string[]): Scrubber {
  const forms = new Map<string, string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.set(secret, redacted(secret));
    // The same secret inside a JSON string (a logged object), where quotes and backslashes are escaped.
    forms.set(JSON.stringify(secret).slice(1, -1), redacted(secret));
  }
  const ordered = [...forms.entries()].sort(([a], [b]) => b.length - a.length);
  return (text) =>
    ordered.reduce((scrubbed, [secret, replacement]) => scrubbed.split(secret).join(replacement), text);
}
