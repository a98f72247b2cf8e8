import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  Kafka,
  logLevel,
  ResourcePatternTypes,
  type AclEntry,
} from 'kafkajs';
import { LocalAws, LocalKafka, LocalServices, startKafka, startMoto } from '../../../local';
import { clickstreamEvent } from '../../../local/clickstream';
import type { ExporterConfig } from '../../../runtime/config/types';
import { decodeCommitMetadata } from '../../../runtime/exporter/commit-metadata';
import { RunningExporter, startExporter } from '../../../runtime/exporter';
import { KafkaAccessError, REQUIRED_ACLS, RequiredAcl, aclResourceName } from '../../../runtime/kafka/acls';
import { S3ObjectStore } from '../../../runtime/storage/s3-store';
import { runCli } from '../cli/spawn-cli';
import {
  countEventIds,
  createBucket,
  failingDataUploads,
  groupProgress,
  localConfig,
  memoryLogger,
  produce,
  readObjects,
  testDeps,
  waitUntilCaughtUp,
} from '../support/exporter-harness';

const ADMIN = { username: 'acl-admin', password: 'admin-secret-1234' };
/** The exporter's SCRAM password doubles as the canary: it must never appear in any output. */
const EXPORTER = { username: 'exporter', password: 'CANARY-acl-7b3f91d2' };
const PARTITIONS = 3;

function aclEntry(acl: RequiredAcl, name: string): AclEntry {
  return {
    resourceType: acl.resource === 'topic' ? AclResourceTypes.TOPIC : AclResourceTypes.GROUP,
    resourceName: aclResourceName(acl, { topic: name, groupId: name }),
    resourcePatternType:
      acl.pattern === 'PREFIXED' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
    principal: `User:${EXPORTER.username}`,
    host: '*',
    operation: AclOperationTypes.READ,
    permissionType: AclPermissionTypes.ALLOW,
  };
}

/** The error the exporter stopped with, which must be a KafkaAccessError. */
async function accessFailureOf(exporter: RunningExporter): Promise<KafkaAccessError> {
  const error = await exporter.stopped.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(KafkaAccessError);
  return error as KafkaAccessError;
}

function label(acl: RequiredAcl): string {
  return `${acl.resource} ${acl.operation}${acl.pattern === 'PREFIXED' ? ' on the recovery-group prefix' : ''}`;
}

describe('the exporter on Apache Kafka with SASL/SCRAM-SHA-512 and the StandardAuthorizer', () => {
  let kafka: LocalKafka;
  let aws: LocalAws;
  let services: LocalServices;

  beforeAll(async () => {
    [kafka, aws] = await Promise.all([
      startKafka({ sasl: { admin: ADMIN, users: [EXPORTER] } }),
      startMoto(),
    ]);
    services = { kafka, aws } as unknown as LocalServices;
  }, 120_000);
  afterAll(async () => {
    await Promise.allSettled([kafka?.stop(), aws?.stop()]);
  });

  async function grant(name: string, acls: readonly RequiredAcl[]): Promise<void> {
    const admin = new Kafka({
      clientId: 'acl-test',
      brokers: kafka.brokers,
      sasl: kafka.adminSasl,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      await admin.createAcls({ acl: acls.map((acl) => aclEntry(acl, name)) });
    } finally {
      await admin.disconnect();
    }
  }

  /** A topic, bucket and group called `name` with `events` events, the exporter holding only `acls`. */
  async function setUp(name: string, events: number, acls: readonly RequiredAcl[]): Promise<ExporterConfig> {
    await kafka.createTopics([{ name, partitions: PARTITIONS }]);
    await createBucket(services, name);
    await produce(
      services,
      name,
      Array.from({ length: events }, (_, i) => JSON.stringify(clickstreamEvent(i, name))),
      PARTITIONS,
    );
    if (acls.length > 0) await grant(name, acls);
    const config = localConfig(services, { topic: name, groupId: name, bucket: name, pathPrefix: 'events' });
    return { ...config, kafka: { ...config.kafka, sasl: { mechanism: 'scram-sha-512', ...EXPORTER } } };
  }

  async function expectExportedOnce(name: string, events: number): Promise<void> {
    const objects = await readObjects(aws.s3(), name, 'events/');
    const counts = countEventIds(objects.filter((o) => !o.key.includes('.strm_test_')));
    expect(counts.size).toBe(events);
    expect([...counts].filter(([, n]) => n !== 1)).toEqual([]);
  }

  async function exportAll(config: ExporterConfig): Promise<string[]> {
    const deps = testDeps(config, 'debug');
    const exporter = await startExporter(config, deps);
    await exporter.ready;
    await waitUntilCaughtUp(services, config.kafka.groupId, config.stream.topic);
    await exporter.stop();
    return deps.lines;
  }

  test('exports every event exactly once holding exactly the documented ACLs, never logging the password', async () => {
    const config = await setUp('all-acls', 600, REQUIRED_ACLS);
    const lines = await exportAll(config);
    await expectExportedOnce('all-acls', 600);
    expect(lines.join('\n')).not.toContain(EXPORTER.password);
  }, 60_000);

  test.each(
    REQUIRED_ACLS.filter((acl) => acl.pattern === 'LITERAL').map((acl) => [label(acl), acl] as const),
  )(
    'without %s: fails naming the ACL and its grant command, commits nothing; granted, a restart exports all once',
    async (_, missing) => {
      const name = `no-${missing.resource}-read`;
      const config = await setUp(
        name,
        300,
        REQUIRED_ACLS.filter((acl) => acl !== missing),
      );
      const deps = testDeps(config, 'debug');
      const exporter = await startExporter(config, deps);
      const error = await accessFailureOf(exporter);
      expect(error.kafkaError).toBe(`${missing.resource.toUpperCase()}_AUTHORIZATION_FAILED`);
      expect(error.message).toContain(
        `kafka-acls.sh --bootstrap-server <broker> --add --allow-principal User:exporter --operation READ --${missing.resource} ${name}`,
      );
      expect(deps.lines.join('\n')).not.toContain(EXPORTER.password);
      const progress = await groupProgress(services, name, name);
      expect([...progress.committed.values()].filter((c) => c.offset !== '-1')).toEqual([]);
      expect(await readObjects(aws.s3(), name, 'events/2')).toEqual([]);

      await grant(name, [missing]);
      await exportAll(config);
      await expectExportedOnce(name, 300);
    },
    60_000,
  );

  test('without group READ on the recovery prefix: recovery fails naming it, the intent stays; granted, the object is completed once', async () => {
    const name = 'no-recovery-prefix';
    const prefixed = REQUIRED_ACLS.find((acl) => acl.pattern === 'PREFIXED') as RequiredAcl;
    const config = await setUp(
      name,
      600,
      REQUIRED_ACLS.filter((acl) => acl !== prefixed),
    );
    const real = await S3ObjectStore.create({ sink: config.sink, logger: memoryLogger().logger });
    // The first exporter "crashes" at its first data upload: the intent is committed, nothing stored.
    const first = await startExporter(config, { ...testDeps(config), store: failingDataUploads(real) });
    await expect(first.stopped).rejects.toThrow('simulated crash before the upload');
    const recorded = await groupProgress(services, name, name);

    const deps = testDeps(config, 'debug');
    const second = await startExporter(config, deps);
    const error = await accessFailureOf(second);
    expect(error.message).toContain(`consumer group '${name}.recovery.'`);
    expect(error.message).toContain(
      `--operation READ --group ${name}.recovery. --resource-pattern-type prefixed`,
    );
    const after = await groupProgress(services, name, name);
    expect(after.committed).toEqual(recorded.committed);
    expect([...after.committed.values()].some((c) => decodeCommitMetadata(c.metadata).intents?.[0])).toBe(
      true,
    );

    await grant(name, [prefixed]);
    await exportAll(config);
    await expectExportedOnce(name, 600);
  }, 90_000);

  test('a wrong SCRAM password fails with SASL_AUTHENTICATION_FAILED naming what to check, not the password', async () => {
    const config = await setUp('wrong-password', 10, REQUIRED_ACLS);
    const wrong = {
      ...config,
      kafka: {
        ...config.kafka,
        sasl: { mechanism: 'scram-sha-512' as const, username: 'exporter', password: 'CANARY-wrong-0c1d' },
      },
    };
    const deps = testDeps(wrong, 'debug');
    const exporter = await startExporter(wrong, deps);
    const error = await accessFailureOf(exporter);
    expect(error.kafkaError).toBe('SASL_AUTHENTICATION_FAILED');
    expect(error.message).toContain('BATCH_EXPORTER_KAFKA_SASL_PASSWORD');
    expect(`${error.message}\n${deps.lines.join('\n')}`).not.toContain('CANARY-wrong-0c1d');
  }, 60_000);

  test('the exporter process exits 1 with the missing ACL and its grant command on stderr, never printing the password', async () => {
    const name = 'process-no-group';
    await setUp(
      name,
      10,
      REQUIRED_ACLS.filter((acl) => acl.resource === 'topic'),
    );
    const result = await runCli(['run'], {
      BATCH_EXPORTER_NAME: 'acl',
      BATCH_EXPORTER_STREAM_NAME: 'demo',
      BATCH_EXPORTER_TOPIC: name,
      BATCH_EXPORTER_KAFKA_BROKERS: kafka.bootstrap,
      BATCH_EXPORTER_KAFKA_GROUP_ID: name,
      BATCH_EXPORTER_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      BATCH_EXPORTER_KAFKA_SASL_USERNAME: EXPORTER.username,
      BATCH_EXPORTER_KAFKA_SASL_PASSWORD: EXPORTER.password,
      BATCH_EXPORTER_SINK_BUCKET: name,
      BATCH_EXPORTER_SINK_ENDPOINT: aws.endpoint,
      BATCH_EXPORTER_SINK_CREDENTIALS: JSON.stringify({
        AccessKey: {
          UserName: 'p',
          // moto does not check signatures here (IAM not enforced): any well-formed key works.
          AccessKeyId: 'AKIAIOSFODNN7EXAMPLE',
          Status: 'Active',
          SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
          CreateDate: '2021-04-08T08:19:33+00:00',
        },
      }),
      BATCH_EXPORTER_PATH_PREFIX: 'events',
      BATCH_EXPORTER_HTTP_PORT: '0',
      BATCH_EXPORTER_LOG_LEVEL: 'debug',
    });
    expect(`${result.code} ${result.stderr}`).toMatch(/^1 /);
    expect(result.stderr).toContain('GROUP_AUTHORIZATION_FAILED');
    expect(result.stderr).toContain(
      `kafka-acls.sh --bootstrap-server <broker> --add --allow-principal User:exporter --operation READ --group ${name}`,
    );
    expect(`${result.stdout}${result.stderr}`).not.toContain(EXPORTER.password);
  }, 60_000);
});
