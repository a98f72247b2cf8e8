import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../local/project-root';
import {
  KafkaAccessError,
  REQUIRED_ACLS,
  describeRequiredAcls,
  explainKafkaAccessError,
  grantCommand,
  isAccessDenial,
} from '../../../runtime/kafka/acls';

const SUBJECT = { topic: 'clicks', groupId: 'exporter-clicks', username: 'exporter' };

/** A kafkajs protocol error as kafkajs builds it (type = the Kafka error code name). */
function protocolError(type: string, message: string): Error {
  return Object.assign(new Error(message), { name: 'KafkaJSProtocolError', type });
}

describe('the required Kafka ACLs', () => {
  test('are topic READ, group READ and group READ on the recovery-group prefix, nothing else', () => {
    expect(REQUIRED_ACLS.map((acl) => `${acl.resource} ${acl.pattern} ${acl.operation}`)).toEqual([
      'topic LITERAL READ',
      'group LITERAL READ',
      'group PREFIXED READ',
    ]);
  });

  test('each has the kafka-acls.sh command that grants it', () => {
    expect(REQUIRED_ACLS.map((acl) => grantCommand(acl, SUBJECT))).toEqual([
      'kafka-acls.sh --bootstrap-server <broker> --add --allow-principal User:exporter --operation READ --topic clicks',
      'kafka-acls.sh --bootstrap-server <broker> --add --allow-principal User:exporter --operation READ --group exporter-clicks',
      'kafka-acls.sh --bootstrap-server <broker> --add --allow-principal User:exporter --operation READ --group exporter-clicks.recovery. --resource-pattern-type prefixed',
    ]);
    expect(describeRequiredAcls(SUBJECT).split('\n')).toHaveLength(3);
  });

  test("the README and the BatchExporter's StreamAuth TSDoc hold exactly this list", () => {
    const lines = describeRequiredAcls({ topic: '<topic>', groupId: '<group>', username: '<user>' }).split(
      '\n',
    );
    const read = (file: string) => fs.readFileSync(path.join(projectRoot(), file), 'utf8');
    const readme = read('README.md').split('\n');
    const tsdoc = read('constructs/exporter/exporter-props.ts').split('\n');
    const listed = (all: string[], prefix: string) =>
      all.filter((line) => line.includes('kafka-acls.sh')).map((line) => line.slice(prefix.length));
    expect(listed(readme, '')).toEqual(lines);
    expect(listed(tsdoc, ' * ')).toEqual(lines);
  });

  test('without a SASL user the command names a placeholder principal', () => {
    expect(grantCommand(REQUIRED_ACLS[0], { topic: 't', groupId: 'g' })).toContain('User:<exporter-user>');
  });
});

describe('explainKafkaAccessError', () => {
  test('names the topic READ ACL and its grant command for TOPIC_AUTHORIZATION_FAILED, even nested', () => {
    const nested = new Error('the Kafka consumer crashed and cannot restart', {
      cause: protocolError('TOPIC_AUTHORIZATION_FAILED', 'Not authorized to access topics'),
    });
    const error = explainKafkaAccessError(nested, SUBJECT);
    expect(error).toBeInstanceOf(KafkaAccessError);
    expect(error?.kafkaError).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(error?.message).toContain("Kafka refused User:exporter access to topic 'clicks'");
    expect(error?.message).toContain(grantCommand(REQUIRED_ACLS[0], SUBJECT));
    expect(error?.message).toContain('Nothing was committed');
  });

  test("names the group READ ACL for the exporter's own group", () => {
    const error = explainKafkaAccessError(
      protocolError('GROUP_AUTHORIZATION_FAILED', 'Not authorized to access group'),
      SUBJECT,
    );
    expect(error?.message).toContain("consumer group 'exporter-clicks'");
    expect(error?.message).toContain(grantCommand(REQUIRED_ACLS[1], SUBJECT));
    expect(error?.message).not.toContain('prefixed');
  });

  test('names the prefixed group READ ACL when a recovery group was refused', () => {
    const refused = new Error(
      'reading recorded ranges in recovery group exporter-clicks.recovery.1234 failed: Not authorized',
      { cause: protocolError('GROUP_AUTHORIZATION_FAILED', 'Not authorized to access group') },
    );
    const error = explainKafkaAccessError(refused, SUBJECT);
    expect(error?.message).toContain("consumer group 'exporter-clicks.recovery.'");
    expect(error?.message).toContain('exporter-clicks.recovery.1234');
    expect(error?.message).toContain(grantCommand(REQUIRED_ACLS[2], SUBJECT));
  });

  test('tells what to check for a failed SASL login, never the password', () => {
    const sasl = Object.assign(new Error('SASL SCRAM SHA512 authentication failed, password s3cret-CANARY'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    const error = explainKafkaAccessError(sasl, SUBJECT);
    expect(error?.kafkaError).toBe('SASL_AUTHENTICATION_FAILED');
    expect(error?.message).toContain('BATCH_EXPORTER_KAFKA_SASL_PASSWORD');
    expect(error?.message).not.toContain('s3cret-CANARY');
  });

  test('leaves other errors alone; only refusals count as access denials', () => {
    const other = protocolError('NOT_LEADER_FOR_PARTITION', 'not the leader');
    expect(explainKafkaAccessError(other, SUBJECT)).toBeUndefined();
    expect(isAccessDenial(other)).toBe(false);
    expect(isAccessDenial(protocolError('GROUP_AUTHORIZATION_FAILED', 'no'))).toBe(true);
  });
});
