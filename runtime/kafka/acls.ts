/**
 * The Kafka ACLs the exporter's principal needs, and the translation of kafkajs's authorization and SASL
 * failures into an error naming the missing ACL and how to grant it. One list, used by the error messages
 * and checked against the README and the BatchExporter construct's docs.
 */

/** One ACL the exporter's principal needs (`kafka-acls.sh` terms). */
export interface RequiredAcl {
  readonly resource: 'topic' | 'group';
  /** LITERAL: the name itself; PREFIXED: every name starting with it. */
  readonly pattern: 'LITERAL' | 'PREFIXED';
  readonly operation: 'READ';
  /** What the exporter does with it. */
  readonly why: string;
}

/**
 * Exactly these, each proven needed on Apache Kafka 4.4 with the StandardAuthorizer by removing it
 * (test/runtime/kafka/acls.integration.test.ts). No DESCRIBE ACL: Kafka's READ implies DESCRIBE on the same
 * resource, which covers metadata, watermarks (validation, data-loss checks) and committed offsets; the test
 * with exactly these three ACLs shows nothing else is asked for.
 */
export const REQUIRED_ACLS: readonly RequiredAcl[] = [
  {
    resource: 'topic',
    pattern: 'LITERAL',
    operation: 'READ',
    why: 'fetch records and commit their offsets; implies DESCRIBE for metadata and watermarks',
  },
  {
    resource: 'group',
    pattern: 'LITERAL',
    operation: 'READ',
    why: 'join the group, commit offsets with metadata and read them back',
  },
  {
    resource: 'group',
    pattern: 'PREFIXED',
    operation: 'READ',
    why: 're-read recorded ranges after a crash in throw-away groups `<group>.recovery.<uuid>`',
  },
];

/** The names the ACLs apply to. */
export interface AclSubject {
  readonly topic: string;
  readonly groupId: string;
  /** The SASL user name, when the exporter authenticates with one (shown as `User:<name>`). */
  readonly username?: string;
}

/** The resource name of `acl` for `subject`. */
export function aclResourceName(acl: RequiredAcl, subject: AclSubject): string {
  if (acl.resource === 'topic') return subject.topic;
  return acl.pattern === 'PREFIXED' ? `${subject.groupId}.recovery.` : subject.groupId;
}

/** The `kafka-acls.sh` command that grants `acl` to the exporter's principal. */
export function grantCommand(acl: RequiredAcl, subject: AclSubject): string {
  const principal = `User:${subject.username ?? '<exporter-user>'}`;
  const pattern = acl.pattern === 'PREFIXED' ? ' --resource-pattern-type prefixed' : '';
  return (
    `kafka-acls.sh --bootstrap-server <broker> --add --allow-principal ${principal} ` +
    `--operation ${acl.operation} --${acl.resource} ${aclResourceName(acl, subject)}${pattern}`
  );
}

/**
 * The whole list, one Markdown line per ACL with its grant command: the README and the BatchExporter's
 * TSDoc hold exactly these lines for `<topic>`, `<group>` and `<user>` (a test checks).
 */
export function describeRequiredAcls(subject: AclSubject): string {
  return REQUIRED_ACLS.map(
    (acl) =>
      `- ${acl.resource} ${acl.operation} on ${acl.pattern === 'PREFIXED' ? 'the prefix ' : ''}` +
      `\`${aclResourceName(acl, subject)}\` (${acl.why}): \`${grantCommand(acl, subject)}\``,
  ).join('\n');
}

/** An authorization or authentication failure of the broker, explained. Never contains a password. */
export class KafkaAccessError extends Error {
  override readonly name = 'KafkaAccessError';
  constructor(
    message: string,
    /** The Kafka error code name (TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED, SASL…). */
    readonly kafkaError: string,
  ) {
    super(message);
  }
}

interface ErrorLike {
  readonly type?: string;
  readonly name?: string;
  readonly message?: string;
  readonly cause?: unknown;
  readonly originalError?: unknown;
  readonly groupId?: string;
}

/** Every error in `error`'s cause chain (kafkajs nests retries in `originalError`, others in `cause`). */
function chain(error: unknown): ErrorLike[] {
  const found: ErrorLike[] = [];
  let current = error as ErrorLike | undefined;
  while (current && typeof current === 'object' && found.length < 8) {
    found.push(current);
    current = (current.cause ?? current.originalError) as ErrorLike | undefined;
  }
  return found;
}

const DENIALS = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
]);

/** True when the broker refused the principal (an ACL or the SASL login), which retrying cannot fix. */
export function isAccessDenial(error: unknown): boolean {
  return chain(error).some(
    (e) => (e.type !== undefined && DENIALS.has(e.type)) || e.name === 'KafkaJSSASLAuthenticationError',
  );
}

/**
 * Returns `error` translated into a KafkaAccessError when the broker refused the exporter's principal
 * (topic or group authorization, SASL authentication), else undefined. Which group ACL is missing is
 * told by the group the refused request was for: the exporter's own group or a recovery group.
 */
export function explainKafkaAccessError(error: unknown, subject: AclSubject): KafkaAccessError | undefined {
  const errors = chain(error);
  const named = (type: string) => errors.find((e) => e.type === type);
  const who = subject.username ? `User:${subject.username}` : 'the exporter';
  const topicDenied = named('TOPIC_AUTHORIZATION_FAILED');
  if (topicDenied) {
    const acl = REQUIRED_ACLS.find((candidate) => candidate.resource === 'topic') as RequiredAcl;
    return new KafkaAccessError(
      `Kafka refused ${who} access to topic '${subject.topic}' (TOPIC_AUTHORIZATION_FAILED): the topic ` +
        `${acl.operation} ACL is missing (${acl.why}). Grant it with:\n${grantCommand(acl, subject)}\n` +
        'Nothing was committed; grant it and restart the exporter.',
      'TOPIC_AUTHORIZATION_FAILED',
    );
  }
  const groupDenied = named('GROUP_AUTHORIZATION_FAILED');
  if (groupDenied) {
    const prefix = `${subject.groupId}.recovery.`;
    const group =
      errors.find((e) => e.groupId?.startsWith(prefix))?.groupId ??
      errors
        .map((e) => e.message?.match(/\S+\.recovery\.[0-9a-f-]+/)?.[0])
        .find((g) => g?.startsWith(prefix));
    const recovery = group !== undefined;
    const acl = REQUIRED_ACLS.find(
      (candidate) => candidate.resource === 'group' && (candidate.pattern === 'PREFIXED') === recovery,
    ) as RequiredAcl;
    return new KafkaAccessError(
      `Kafka refused ${who} access to consumer group '${aclResourceName(acl, subject)}'` +
        `${recovery ? ` (the prefix of its recovery groups, ${group})` : ''} ` +
        `(GROUP_AUTHORIZATION_FAILED): the group ${acl.operation} ACL ` +
        `${recovery ? 'on the prefix ' : ''}is missing (${acl.why}). Grant it with:\n` +
        `${grantCommand(acl, subject)}\nNothing was committed; grant it and restart the exporter.`,
      'GROUP_AUTHORIZATION_FAILED',
    );
  }
  const sasl = errors.find(
    (e) => e.name === 'KafkaJSSASLAuthenticationError' || e.type === 'SASL_AUTHENTICATION_FAILED',
  );
  if (sasl) {
    return new KafkaAccessError(
      `Kafka refused the SASL login of ${who} (SASL_AUTHENTICATION_FAILED): the user name, password or ` +
        `mechanism is wrong, or the user does not exist on the broker. Check BATCH_EXPORTER_KAFKA_SASL_USERNAME, ` +
        `BATCH_EXPORTER_KAFKA_SASL_PASSWORD and BATCH_EXPORTER_KAFKA_SASL_MECHANISM (SCRAM users are created ` +
        `with kafka-configs.sh --alter --add-config 'SCRAM-SHA-512=[password=…]' --entity-type users ` +
        `--entity-name <user>).`,
      'SASL_AUTHENTICATION_FAILED',
    );
  }
  return undefined;
}
