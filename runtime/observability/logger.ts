/**
 * The runtime's JSON logger (pino). Secrets are redacted by key wherever they appear in a logged object, as
 * `<redacted, N chars>` like in error messages; on top of that, callers never log the configuration
 * wholesale but its safe summary (runtime/config/describe.ts).
 */
import pino, { DestinationStream, Logger } from 'pino';
import { redacted } from '../config/redact';
import { LogLevel } from '../config/types';

/** Keys whose values are secret wherever they occur. */
const SECRET_KEYS = [
  'password',
  'secretAccessKey',
  'SecretAccessKey',
  'sessionToken',
  'SessionToken',
  'credentials',
  'authorization',
  'Authorization',
  'token',
  'oauthBearerToken',
  'privateKey',
  'private_key',
];

/** pino's paths match fixed depths; four levels cover every object the runtime logs. */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((key) => [
  key,
  `*.${key}`,
  `*.*.${key}`,
  `*.*.*.${key}`,
]);

function censor(value: unknown): string {
  if (typeof value === 'string') return redacted(value);
  return '<redacted>';
}

export interface CreateLoggerOptions {
  readonly level: LogLevel;
  /** Stable fields on every line, e.g. the exporter's name. */
  readonly base?: Record<string, string>;
  /** @default - standard output */
  readonly destination?: DestinationStream;
}

export function createLogger(options: CreateLoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { ...options.base },
      redact: { paths: [...REDACT_PATHS], censor },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
