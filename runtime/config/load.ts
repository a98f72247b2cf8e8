/**
 * Loads the exporter's configuration from environment variables (how ECS passes it) and/or a JSON file,
 * validates it against CONFIG_SCHEMA with ajv and reports every problem at once, each naming the field,
 * where it came from, the value (secrets redacted) and the fix. Pure apart from reading the named files.
 */
import fs from 'node:fs';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { detectSinkCredentials, readSinkCredentialsFile, sinkTypeOf } from './sink-credentials';
import { ENVIRONMENT, ENVIRONMENT_PREFIX, EnvironmentKey, KNOWN_ENVIRONMENT } from './environment';
import { ConfigProblem, jsonSyntaxLocation, problem } from './problems';
import { displayValue } from './redact';
import { MAX_S3_KEY_BYTES, keyLengthExcess } from '../exporter/object-namer';
import { BUCKET_NAME_PATTERN, bucketNameProblems, pathPrefixProblems } from './rules';
import {
  CONFIG_SCHEMA,
  DEFAULT_HTTP_PORT,
  DEFAULT_INTERVAL_SECONDS,
  DEFAULT_LOG_LEVEL,
  DEFAULT_ON_DATA_LOSS,
  DEFAULT_KAFKA_CLIENT,
  DEFAULT_MAX_OBJECT_BYTES,
  ExporterConfigInput,
} from './schema';
import {
  DataLossPolicy,
  ExporterConfig,
  KafkaClient,
  LogLevel,
  SaslMechanism,
  SinkConfig,
  SinkCredentials,
} from './types';

export type Environment = Readonly<Record<string, string | undefined>>;

/** A value set by something other than the environment or the file, e.g. a command line option. */
export interface ConfigOverride {
  /** Dotted field path, e.g. `sink.bucket`. */
  readonly field: string;
  readonly value: unknown;
  /** Shown in problems, e.g. `--bucket`. */
  readonly source: string;
}

export interface LoadConfigOptions {
  /** A JSON config file; takes precedence over BATCH_EXPORTER_CONFIG_FILE. */
  readonly configFile?: string;
  /** Applied over the environment and the file. */
  readonly overrides?: readonly ConfigOverride[];
}

export type LoadConfigResult =
  | { readonly config: ExporterConfig; readonly errors?: undefined }
  | { readonly config?: undefined; readonly errors: readonly ConfigProblem[] };

/** What `validate` needs: where to write and with which credentials. */
export interface SinkTarget {
  readonly sink: SinkConfig;
  readonly pathPrefix?: string;
  readonly logLevel: LogLevel;
}

export type LoadSinkTargetResult =
  | { readonly config: SinkTarget; readonly errors?: undefined }
  | { readonly config?: undefined; readonly errors: readonly ConfigProblem[] };

type ValueKind = 'string' | 'integer' | 'boolean' | 'list';

/** Where each environment variable lands in the input, and how its text is parsed. */
const ENVIRONMENT_FIELDS: Partial<
  Record<EnvironmentKey, { readonly field: string; readonly kind: ValueKind }>
> = {
  exporterName: { field: 'exporterName', kind: 'string' },
  streamName: { field: 'stream.name', kind: 'string' },
  topic: { field: 'stream.topic', kind: 'string' },
  kafkaBrokers: { field: 'kafka.brokers', kind: 'list' },
  kafkaClientId: { field: 'kafka.clientId', kind: 'string' },
  kafkaGroupId: { field: 'kafka.groupId', kind: 'string' },
  kafkaClient: { field: 'kafka.client', kind: 'string' },
  kafkaTls: { field: 'kafka.tls', kind: 'boolean' },
  kafkaSaslMechanism: { field: 'kafka.sasl.mechanism', kind: 'string' },
  kafkaSaslUsername: { field: 'kafka.sasl.username', kind: 'string' },
  kafkaSaslPassword: { field: 'kafka.sasl.password', kind: 'string' },
  kafkaSaslRegion: { field: 'kafka.sasl.region', kind: 'string' },
  kafkaSessionTimeoutMs: { field: 'kafka.sessionTimeoutMs', kind: 'integer' },
  kafkaHeartbeatIntervalMs: { field: 'kafka.heartbeatIntervalMs', kind: 'integer' },
  kafkaMetadataMaxAgeMs: { field: 'kafka.metadataMaxAgeMs', kind: 'integer' },
  sinkBucket: { field: 'sink.bucket', kind: 'string' },
  sinkRegion: { field: 'sink.region', kind: 'string' },
  sinkEndpoint: { field: 'sink.endpoint', kind: 'string' },
  sinkCredentialsFile: { field: 'sink.credentialsFile', kind: 'string' },
  sinkRequestTimeoutMs: { field: 'sink.requestTimeoutMs', kind: 'integer' },
  pathPrefix: { field: 'pathPrefix', kind: 'string' },
  intervalSeconds: { field: 'intervalSeconds', kind: 'integer' },
  includeExistingEvents: { field: 'includeExistingEvents', kind: 'boolean' },
  maxObjectBytes: { field: 'maxObjectBytes', kind: 'integer' },
  httpPort: { field: 'httpPort', kind: 'integer' },
  logLevel: { field: 'logLevel', kind: 'string' },
  onDataLoss: { field: 'onDataLoss', kind: 'string' },
};

/** Fields whose values are never shown. */
const SECRET_FIELDS = new Set(['kafka.sasl.password']);

const ENV_BY_FIELD = new Map(
  Object.entries(ENVIRONMENT_FIELDS).map(([key, spec]) => [spec.field, ENVIRONMENT[key as EnvironmentKey]]),
);

const ajv = new Ajv({ allErrors: true, strict: true, verbose: true });
const validateFull: ValidateFunction = ajv.compile(CONFIG_SCHEMA);
const validateSinkOnly: ValidateFunction = ajv.compile({ ...CONFIG_SCHEMA, required: ['sink'] });

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

/** Text from the environment as the schema's type; text that does not parse stays text, so ajv reports it. */
function parseEnvironmentValue(text: string, kind: ValueKind): unknown {
  const trimmed = text.trim();
  switch (kind) {
    case 'integer':
      return /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : text;
    case 'boolean':
      if (TRUE_WORDS.has(trimmed.toLowerCase())) return true;
      if (FALSE_WORDS.has(trimmed.toLowerCase())) return false;
      return text;
    case 'list':
      return trimmed.split(',').map((entry) => entry.trim());
    default:
      return text;
  }
}

function setPath(target: Record<string, unknown>, field: string, value: unknown): void {
  const keys = field.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

function getPath(target: unknown, segments: readonly string[]): unknown {
  return segments.reduce<unknown>(
    (node, key) =>
      typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined,
    target,
  );
}

function leafFields(value: unknown, prefix: string, out: string[]): string[] {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length > 0) {
    for (const [key, child] of Object.entries(value))
      leafFields(child, prefix ? `${prefix}.${key}` : key, out);
  } else if (prefix) {
    out.push(prefix);
  }
  return out;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

function closest(name: string, candidates: Iterable<string>): string {
  // A known name that contains the unknown one's last word (BATCH_EXPORTER_BUCKET -> ..._SINK_BUCKET) wins.
  const lastWord = name.slice(name.lastIndexOf('_') + 1);
  const containing = [...candidates].filter(
    (candidate) => lastWord.length > 2 && candidate.endsWith(`_${lastWord}`),
  );
  if (containing.length > 0) candidates = containing;
  let best = '';
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best;
}

/** The input being assembled, with where each field came from. */
class InputAssembly {
  readonly input: Record<string, unknown> = {};
  private readonly origins = new Map<string, string>();
  readonly problems: ConfigProblem[] = [];

  set(field: string, value: unknown, source: string): void {
    setPath(this.input, field, value);
    for (const known of [...this.origins.keys()]) {
      if (known.startsWith(`${field}.`)) this.origins.delete(known);
    }
    this.origins.set(field, source);
  }

  /** The most specific recorded source at or above the field; for unset fields, the variable that sets it. */
  sourceOf(field: string): string {
    for (let path = field; path; path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '') {
      const origin = this.origins.get(path.replace(/\[\d+\]$/, ''));
      if (origin) return origin;
      const bare = path.replace(/\[\d+\]$/, '');
      if (bare !== path) {
        const arrayOrigin = this.origins.get(bare);
        if (arrayOrigin) return arrayOrigin;
      }
    }
    return ENV_BY_FIELD.get(field.replace(/\[\d+\]$/, '')) ?? 'the config file';
  }

  /** How to set a field, for "is not set" problems. */
  howToSet(field: string): string {
    const variable = ENV_BY_FIELD.get(field);
    return variable
      ? `set ${variable} (or "${field}" in the config file)`
      : `set "${field}" in the config file`;
  }
}

function readConfigFile(assembly: InputAssembly, path: string): void {
  const source = `config file ${path}`;
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    assembly.problems.push(
      problem({
        field: 'config file',
        source,
        problem:
          code === 'ENOENT'
            ? 'does not exist'
            : code === 'EISDIR'
              ? 'is a directory'
              : `cannot be read (${code})`,
        fix: `point ${ENVIRONMENT.configFile} or --config at a JSON file that follows runtime/config/config.schema.json`,
      }),
    );
    return;
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    assembly.problems.push(
      problem({
        field: 'config file',
        source,
        problem: `cannot be read: ${jsonSyntaxLocation(text, error)}`,
        fix: 'correct the JSON (it must follow runtime/config/config.schema.json)',
      }),
    );
    return;
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    assembly.problems.push(
      problem({
        field: 'config file',
        source,
        problem: 'is not a JSON object',
        fix: 'write one object with the fields of runtime/config/config.schema.json',
      }),
    );
    return;
  }
  for (const field of leafFields(document, '', [])) {
    assembly.set(field, getPath(document, field.split('.')), source);
  }
}

function readEnvironment(assembly: InputAssembly, env: Environment): void {
  for (const [key, spec] of Object.entries(ENVIRONMENT_FIELDS)) {
    const text = env[ENVIRONMENT[key as EnvironmentKey]];
    if (text === undefined || text.trim() === '') continue;
    assembly.set(spec.field, parseEnvironmentValue(text, spec.kind), ENVIRONMENT[key as EnvironmentKey]);
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith(ENVIRONMENT_PREFIX) && !KNOWN_ENVIRONMENT.has(name)) {
      assembly.problems.push(
        problem({
          field: 'environment',
          source: name,
          problem: 'is not a variable the exporter knows, so its value would be ignored',
          fix: `rename it (did you mean ${closest(name, KNOWN_ENVIRONMENT)}?) or remove it`,
        }),
      );
    }
  }
}

/** Spellings people use for the mechanism and level; the schema then checks the canonical form. */
function normalise(input: Record<string, unknown>): void {
  const sasl = getPath(input, ['kafka', 'sasl']) as Record<string, unknown> | undefined;
  if (sasl && typeof sasl.mechanism === 'string')
    sasl.mechanism = sasl.mechanism.trim().toLowerCase().replace(/_/g, '-');
  const kafka = input.kafka as Record<string, unknown> | undefined;
  if (kafka && typeof kafka.client === 'string') kafka.client = kafka.client.trim().toLowerCase();
  if (typeof input.logLevel === 'string') input.logLevel = input.logLevel.trim().toLowerCase();
  if (typeof input.onDataLoss === 'string') input.onDataLoss = input.onDataLoss.trim().toLowerCase();
}

function fieldOf(error: ErrorObject): string {
  const segments = error.instancePath.split('/').filter(Boolean);
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
  return segments.reduce(
    (path, segment) =>
      /^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment,
    '',
  );
}

function describeSchemaError(error: ErrorObject, assembly: InputAssembly): ConfigProblem | undefined {
  const field = fieldOf(error);
  const source = assembly.sourceOf(field);
  const secret = SECRET_FIELDS.has(field);
  const shown = displayValue(error.data, secret);
  const description = (error.parentSchema as { description?: string } | undefined)?.description ?? '';
  switch (error.keyword) {
    case 'required': {
      const schema = (error.parentSchema as { properties?: Record<string, { description?: string }> })
        .properties;
      const wanted = schema?.[String(error.params.missingProperty)]?.description ?? 'a value';
      return problem({
        field,
        source,
        problem: 'is not set',
        fix: `${assembly.howToSet(field)} to ${wanted}`,
      });
    }
    case 'additionalProperties': {
      const known = Object.keys((error.parentSchema as { properties?: object }).properties ?? {}).filter(
        (k) => k !== '$schema',
      );
      return problem({
        field,
        source,
        problem: 'is not a known field',
        fix: `remove it or correct its spelling (did you mean "${closest(String(error.params.additionalProperty), known)}"?)`,
      });
    }
    case 'type': {
      const expected = String(error.params.type);
      const wording =
        expected === 'integer'
          ? 'must be a whole number'
          : expected === 'boolean'
            ? 'must be true or false'
            : expected === 'object'
              ? 'must be an object'
              : `must be a ${expected === 'array' ? 'list' : expected}`;
      return problem({ field, source, problem: wording, shown, fix: `use ${description}` });
    }
    case 'pattern':
    case 'maxLength': {
      if (typeof error.data === 'string' && field === 'sink.bucket') {
        const reasons = bucketNameProblems(error.data).join(', ');
        return problem({
          field,
          source,
          problem: `is not a valid S3 bucket name: it ${reasons}`,
          shown,
          fix: `use ${description}`,
        });
      }
      if (typeof error.data === 'string' && field === 'pathPrefix') {
        // maxLength and pattern both fire for a long bad prefix; one problem lists every reason.
        if (
          error.keyword === 'maxLength' &&
          !new RegExp(String(CONFIG_SCHEMA.properties.pathPrefix.pattern), 'u').test(error.data)
        )
          return undefined;
        const reasons = pathPrefixProblems(error.data).join(', ');
        return problem({
          field,
          source,
          problem: `is not a valid path prefix: it ${reasons}`,
          shown,
          fix: `use ${description}`,
        });
      }
      return problem({ field, source, problem: 'is not valid', shown, fix: `use ${description}` });
    }
    case 'enum':
      return problem({
        field,
        source,
        problem: 'is not one of the allowed values',
        shown,
        fix: `use ${description}`,
      });
    case 'minimum':
    case 'maximum':
      return problem({
        field,
        source,
        problem: `is out of range (${error.message})`,
        shown,
        fix: `use ${description}`,
      });
    case 'minItems':
      return problem({ field, source, problem: 'is empty', fix: `use ${description}` });
    case 'minLength':
      return problem({ field, source, problem: 'is empty', fix: `use ${description}` });
    default:
      return problem({
        field,
        source,
        problem: error.message ?? 'is invalid',
        shown,
        fix: `use ${description}`,
      });
  }
}

function schemaProblems(
  validate: ValidateFunction,
  input: Record<string, unknown>,
  assembly: InputAssembly,
): ConfigProblem[] {
  if (validate(input)) return [];
  return (validate.errors ?? []).flatMap((error) => describeSchemaError(error, assembly) ?? []);
}

/** The bucket rules a pattern cannot word well (reserved prefixes and suffixes, "..", IP addresses). */
function bucketRuleProblems(input: ExporterConfigInput, assembly: InputAssembly): ConfigProblem[] {
  const bucket = input.sink?.bucket;
  if (typeof bucket !== 'string' || !new RegExp(BUCKET_NAME_PATTERN, 'u').test(bucket)) return [];
  const reasons = bucketNameProblems(bucket);
  if (reasons.length === 0) return [];
  return [
    problem({
      field: 'sink.bucket',
      source: assembly.sourceOf('sink.bucket'),
      problem: `is not a valid S3 bucket name: it ${reasons.join(', ')}`,
      shown: displayValue(bucket),
      fix: `use ${CONFIG_SCHEMA.properties.sink.properties.bucket.description}`,
    }),
  ];
}

/** Object keys name the prefix and the stream: together they must leave room within S3's key limit. */
function keyLengthProblems(input: ExporterConfigInput, assembly: InputAssembly): ConfigProblem[] {
  const name = input.stream?.name;
  const prefix = input.pathPrefix;
  const namePattern = new RegExp(CONFIG_SCHEMA.properties.stream.properties.name.pattern, 'u');
  if (typeof name !== 'string' || !namePattern.test(name)) return [];
  if (prefix !== undefined && (typeof prefix !== 'string' || pathPrefixProblems(prefix).length > 0))
    return [];
  const excess = keyLengthExcess(name, prefix);
  if (excess === 0) return [];
  return [
    problem({
      field: 'pathPrefix',
      source: assembly.sourceOf('pathPrefix'),
      problem:
        `is ${prefix!.length} characters, which with stream.name (${name.length} characters) makes object keys ` +
        `of up to ${MAX_S3_KEY_BYTES + excess} bytes, more than S3's ${MAX_S3_KEY_BYTES}`,
      fix: `shorten the path prefix or the stream name by at least ${excess} characters together`,
    }),
  ];
}

/** kafkajs needs heartbeats well inside the session timeout, or every member looks dead. */
function timingProblems(input: ExporterConfigInput, assembly: InputAssembly): ConfigProblem[] {
  const heartbeat = input.kafka?.heartbeatIntervalMs;
  const session = input.kafka?.sessionTimeoutMs ?? 30_000;
  if (typeof heartbeat !== 'number' || typeof session !== 'number' || heartbeat < session) return [];
  return [
    problem({
      field: 'kafka.heartbeatIntervalMs',
      source: assembly.sourceOf('kafka.heartbeatIntervalMs'),
      problem: `is not below kafka.sessionTimeoutMs (${session}), so the group would drop every member`,
      shown: displayValue(heartbeat),
      fix: `set ${ENVIRONMENT.kafkaHeartbeatIntervalMs} to about a third of the session timeout (${Math.floor(session / 3)})`,
    }),
  ];
}

function saslProblems(
  input: ExporterConfigInput,
  assembly: InputAssembly,
  env: Environment,
): ConfigProblem[] {
  const sasl = input.kafka?.sasl;
  if (!sasl || typeof sasl.mechanism !== 'string') return [];
  const problems: ConfigProblem[] = [];
  if (sasl.mechanism === 'aws-msk-iam') {
    for (const field of ['username', 'password'] as const) {
      if (sasl[field] !== undefined) {
        const path = `kafka.sasl.${field}`;
        problems.push(
          problem({
            field: path,
            source: assembly.sourceOf(path),
            problem:
              'is set, but aws-msk-iam signs with the AWS credential chain and takes no user name or password',
            fix: `remove it, or choose a mechanism that uses it (plain, scram-sha-256, scram-sha-512)`,
          }),
        );
      }
    }
    if (sasl.region === undefined && !env.AWS_REGION && !env.AWS_DEFAULT_REGION) {
      problems.push(
        problem({
          field: 'kafka.sasl.region',
          source: ENVIRONMENT.kafkaSaslRegion,
          problem:
            "is not set, and neither is AWS_REGION: aws-msk-iam tokens are signed for the cluster's region",
          fix: `set ${ENVIRONMENT.kafkaSaslRegion} to the MSK cluster's region, e.g. "eu-west-1"`,
        }),
      );
    }
    if (input.kafka?.tls !== true) {
      problems.push(
        problem({
          field: 'kafka.tls',
          source: assembly.sourceOf('kafka.tls'),
          problem: 'is not true, but MSK IAM authentication only works over TLS (port 9098)',
          shown: displayValue(input.kafka?.tls),
          fix: `set ${ENVIRONMENT.kafkaTls}=true`,
        }),
      );
    }
  } else if (['plain', 'scram-sha-256', 'scram-sha-512'].includes(sasl.mechanism)) {
    for (const field of ['username', 'password'] as const) {
      if (sasl[field] === undefined) {
        const path = `kafka.sasl.${field}`;
        problems.push(
          problem({
            field: path,
            source: ENV_BY_FIELD.get(path)!,
            problem: `is not set, but SASL ${sasl.mechanism} needs it`,
            fix: `${assembly.howToSet(path)}${field === 'password' ? ' (as a secret)' : ''}, or unset ${ENVIRONMENT.kafkaSaslMechanism}`,
          }),
        );
      }
    }
  }
  return problems;
}

function sinkCredentials(
  input: ExporterConfigInput,
  assembly: InputAssembly,
  env: Environment,
): { credentials?: SinkCredentials; problems: ConfigProblem[] } {
  const inline = env[ENVIRONMENT.sinkCredentials];
  const file = input.sink?.credentialsFile;
  const hasInline = inline !== undefined && inline.trim() !== '';
  if (hasInline && typeof file === 'string') {
    return {
      problems: [
        problem({
          field: 'sink.credentials',
          source: `${ENVIRONMENT.sinkCredentials} and ${assembly.sourceOf('sink.credentialsFile')}`,
          problem: 'is given twice: as JSON and as a file',
          fix: `keep one: ${ENVIRONMENT.sinkCredentials} (from a secret) or ${ENVIRONMENT.sinkCredentialsFile}`,
        }),
      ],
    };
  }
  const result = hasInline
    ? detectSinkCredentials(inline, ENVIRONMENT.sinkCredentials)
    : typeof file === 'string' && file !== ''
      ? readSinkCredentialsFile(file)
      : undefined;
  if (!result) return { credentials: { kind: 'default-chain' }, problems: [] };
  if (result.errors) return { problems: [...result.errors] };
  const detected = result.credentials;
  const credentials: SinkCredentials =
    detected.type === 's3'
      ? {
          kind: 'static',
          accessKeyId: detected.accessKey.accessKeyId,
          secretAccessKey: detected.accessKey.secretAccessKey,
        }
      : { kind: 'gcs-service-account', ...detected.serviceAccount };
  return { credentials, problems: gcsSinkProblems(input, assembly, credentials) };
}

/** Fields that only mean something for S3, set for a sink whose credentials make it GCS. */
function gcsSinkProblems(
  input: ExporterConfigInput,
  assembly: InputAssembly,
  credentials: SinkCredentials,
): ConfigProblem[] {
  if (sinkTypeOf(credentials) !== 'gcs' || input.sink?.region === undefined) return [];
  return [
    problem({
      field: 'sink.region',
      source: assembly.sourceOf('sink.region'),
      problem:
        'is set, but the sink credentials are a Google service account key (a GCS sink), and GCS buckets ' +
        'need no region to write to',
      shown: displayValue(input.sink.region),
      fix: `remove ${ENVIRONMENT.sinkRegion}, or give S3 credentials if the bucket is in S3`,
    }),
  ];
}

function assemble(env: Environment, options: LoadConfigOptions, scope: 'full' | 'sink'): InputAssembly {
  const assembly = new InputAssembly();
  const configFile = options.configFile ?? env[ENVIRONMENT.configFile];
  if (configFile !== undefined && configFile.trim() !== '') readConfigFile(assembly, configFile);
  readEnvironment(assembly, env);
  for (const override of options.overrides ?? []) {
    if (override.value !== undefined) assembly.set(override.field, override.value, override.source);
  }
  normalise(assembly.input);
  // Nested objects are created empty so that the schema names each missing leaf, not just the parent.
  for (const parent of scope === 'full' ? ['stream', 'kafka', 'sink'] : ['sink']) {
    if (assembly.input[parent] === undefined) assembly.input[parent] = {};
  }
  if (scope === 'sink') {
    for (const key of Object.keys(assembly.input)) {
      if (!['sink', 'pathPrefix', 'logLevel'].includes(key)) delete assembly.input[key];
    }
  }
  return assembly;
}

function sinkConfig(input: ExporterConfigInput, credentials: SinkCredentials): SinkConfig {
  const sink = input.sink!;
  return {
    bucket: sink.bucket!,
    ...(sink.region !== undefined && { region: sink.region }),
    ...(sink.endpoint !== undefined && { endpoint: sink.endpoint }),
    credentials,
    ...(sink.requestTimeoutMs !== undefined && { requestTimeoutMs: sink.requestTimeoutMs }),
  };
}

/**
 * The exporter's whole configuration from `env` (usually `process.env`) and the optional JSON file, with
 * defaults applied; or every problem found. Environment variables override the file's fields.
 */
export function loadConfig(env: Environment, options: LoadConfigOptions = {}): LoadConfigResult {
  const assembly = assemble(env, options, 'full');
  const input = assembly.input as ExporterConfigInput;
  const problems = [
    ...assembly.problems,
    ...schemaProblems(validateFull, assembly.input, assembly),
    ...bucketRuleProblems(input, assembly),
    ...saslProblems(input, assembly, env),
    ...timingProblems(input, assembly),
    ...keyLengthProblems(input, assembly),
  ];
  const { credentials, problems: credentialProblems } = sinkCredentials(input, assembly, env);
  problems.push(...credentialProblems);
  if (problems.length > 0 || !credentials) return { errors: problems };

  const kafka = input.kafka!;
  const exporterName = input.exporterName!;
  const sasl = kafka.sasl;
  const config: ExporterConfig = {
    exporterName,
    stream: { name: input.stream!.name!, topic: input.stream!.topic! },
    kafka: {
      brokers: kafka.brokers!,
      clientId: kafka.clientId ?? `batch-exporter-${exporterName}`,
      groupId: kafka.groupId ?? `batch-exporter-${exporterName}`,
      client: (kafka.client ?? DEFAULT_KAFKA_CLIENT) as KafkaClient,
      tls: kafka.tls ?? false,
      ...(kafka.sessionTimeoutMs !== undefined && { sessionTimeoutMs: kafka.sessionTimeoutMs }),
      ...(kafka.heartbeatIntervalMs !== undefined && { heartbeatIntervalMs: kafka.heartbeatIntervalMs }),
      ...(kafka.metadataMaxAgeMs !== undefined && { metadataMaxAgeMs: kafka.metadataMaxAgeMs }),
      ...(sasl && {
        sasl: {
          mechanism: sasl.mechanism as SaslMechanism,
          ...(sasl.username !== undefined && { username: sasl.username }),
          ...(sasl.password !== undefined && { password: sasl.password }),
          ...(sasl.mechanism === 'aws-msk-iam' && {
            region: sasl.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
          }),
        },
      }),
    },
    sink: sinkConfig(input, credentials),
    ...(input.pathPrefix !== undefined && { pathPrefix: input.pathPrefix }),
    intervalSeconds: input.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS,
    includeExistingEvents: input.includeExistingEvents ?? false,
    maxObjectBytes: input.maxObjectBytes ?? DEFAULT_MAX_OBJECT_BYTES,
    httpPort: input.httpPort ?? DEFAULT_HTTP_PORT,
    logLevel: (input.logLevel ?? DEFAULT_LOG_LEVEL) as LogLevel,
    onDataLoss: (input.onDataLoss ?? DEFAULT_ON_DATA_LOSS) as DataLossPolicy,
  };
  return { config };
}

/**
 * Only the sink, prefix and log level (for `validate`): the same sources, schema and messages as
 * loadConfig, without requiring the Kafka and stream fields.
 */
export function loadSinkTarget(env: Environment, options: LoadConfigOptions = {}): LoadSinkTargetResult {
  const assembly = assemble(env, options, 'sink');
  const input = assembly.input as ExporterConfigInput;
  const problems = [
    ...assembly.problems.filter((p) => p.field !== 'environment'),
    ...schemaProblems(validateSinkOnly, assembly.input, assembly),
    ...bucketRuleProblems(input, assembly),
  ];
  const { credentials, problems: credentialProblems } = sinkCredentials(input, assembly, env);
  problems.push(...credentialProblems);
  if (problems.length > 0 || !credentials) return { errors: problems };
  return {
    config: {
      sink: sinkConfig(input, credentials),
      ...(input.pathPrefix !== undefined && { pathPrefix: input.pathPrefix }),
      logLevel: (input.logLevel ?? DEFAULT_LOG_LEVEL) as LogLevel,
    },
  };
}
