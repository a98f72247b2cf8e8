/**
 * The exporter on Google Cloud Storage, end to end: real `batch-exporter run` processes with a service
 * account key file as their only sink credentials, real Kafka (local/), fake-gcs-server (local/gcs) behind
 * the fault proxy in its GCS dialect. The storage scenarios of the fault matrix, on GCS: kill -9 between the
 * upload and the commit, 5xx and 429 retries, a hung upload timing out; every event exactly once.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalServices, startLocalServices } from '../../../local';
import { FaultProxy, startFaultProxy } from '../../../local/aws/fault-proxy';
import { LocalGcs, startFakeGcs } from '../../../local/gcs/fake-gcs';
import { serviceAccountKeyFile, testPrivateKeyPem } from '../../support/gcs-key';
import { builtCli } from '../cli/spawn-cli';
import { StoredObject, countEventIds, produce, waitUntilCaughtUp } from '../support/exporter-harness';
import { ExporterProcess, events, startProcess, terminate } from '../support/exporter-process';

const BUCKET = 'gcs-e2e';

describe('exporter processes on GCS (batch-exporter run with a service account key)', () => {
  let services: LocalServices;
  let gcs: LocalGcs;
  let proxy: FaultProxy;
  let keyFile: string;
  const started: ExporterProcess[] = [];

  function env(topic: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      BATCH_EXPORTER_NAME: `gcs-${topic}`,
      BATCH_EXPORTER_STREAM_NAME: 'demo',
      BATCH_EXPORTER_TOPIC: topic,
      BATCH_EXPORTER_KAFKA_BROKERS: services.kafka.brokers.join(','),
      BATCH_EXPORTER_KAFKA_GROUP_ID: `group-${topic}`,
      BATCH_EXPORTER_KAFKA_SESSION_TIMEOUT_MS: '6000',
      BATCH_EXPORTER_KAFKA_HEARTBEAT_INTERVAL_MS: '1000',
      BATCH_EXPORTER_SINK_BUCKET: BUCKET,
      BATCH_EXPORTER_SINK_ENDPOINT: proxy.endpoint,
      BATCH_EXPORTER_SINK_CREDENTIALS_FILE: keyFile,
      BATCH_EXPORTER_SINK_REQUEST_TIMEOUT_MS: '1000',
      BATCH_EXPORTER_PATH_PREFIX: topic,
      BATCH_EXPORTER_INTERVAL_SECONDS: '1',
      BATCH_EXPORTER_INCLUDE_EXISTING_EVENTS: 'true',
      BATCH_EXPORTER_HTTP_PORT: '0',
      ...extra,
    };
  }

  function launch(variables: Record<string, string>): ExporterProcess {
    const exporter = startProcess(variables);
    started.push(exporter);
    return exporter;
  }

  /** The data uploads of a topic (not the validation object): POSTs naming `<topic>/<interval start>-...`. */
  function dataUploads(topic: string): RegExp {
    return new RegExp(`^/upload/storage/v1/b/${BUCKET}/o\\?.*name=${topic}%2F\\d{4}-`);
  }

  async function stored(topic: string): Promise<{ data: StoredObject[]; validation: number }> {
    const listed = await gcs.listObjects(BUCKET, `${topic}/`);
    const data: StoredObject[] = [];
    for (const object of listed.filter((o) => !o.name.includes('.strm_test_'))) {
      data.push({ key: object.name, body: await gcs.readObject(BUCKET, object.name) });
    }
    return { data, validation: listed.length - data.length };
  }

  async function waitForFaults(count: number, since: number, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (proxy.stats().faulted - since < count) {
      if (Date.now() > deadline)
        throw new Error(`only ${proxy.stats().faulted - since} of ${count} faults hit`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  function expectNoKeyIn(output: string): void {
    for (const line of testPrivateKeyPem()
      .split('\n')
      .filter((l) => l.length > 20 && !l.startsWith('-----'))) {
      expect(output).not.toContain(line);
    }
  }

  beforeAll(async () => {
    builtCli();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gcs-e2e-'));
    keyFile = path.join(dir, 'key.json');
    fs.writeFileSync(keyFile, JSON.stringify(serviceAccountKeyFile(), null, 2));
    [services, gcs] = await Promise.all([
      startLocalServices({
        kafka: {
          brokers: 1,
          topics: [
            { name: 'gcs-kill', partitions: 3 },
            { name: 'gcs-faults', partitions: 3 },
          ],
        },
      }),
      startFakeGcs(),
    ]);
    proxy = await startFaultProxy(gcs.endpoint, { dialect: 'gcs' });
    await gcs.createBucket(BUCKET);
  }, 300_000);
  afterAll(async () => {
    for (const exporter of started) exporter.child.kill('SIGKILL');
    await proxy?.stop();
    await Promise.allSettled([services?.stop(), gcs?.stop()]);
  });

  test('kill -9 between the upload and the commit: the restart completes the intent, nothing lost or duplicated', async () => {
    const topic = 'gcs-kill';
    const first = launch(env(topic));
    await first.logged('assignment ready');
    const since = proxy.stats().faulted;
    // The first data upload is stored but its answer lost; its retry is held: stored, not committed.
    proxy.inject({ fault: { kind: 'lose-response' }, count: 1, method: 'POST', path: dataUploads(topic) });
    proxy.inject({ fault: { kind: 'hang' }, count: 1, method: 'POST', path: dataUploads(topic) });
    await produce(services, topic, events(0, 300, topic), 3);
    await waitForFaults(2, since);
    first.child.kill('SIGKILL');
    await first.exited;
    proxy.clear();
    await produce(services, topic, events(300, 300, topic), 3);

    const second = launch(env(topic));
    await second.logged('assignment ready');
    await waitUntilCaughtUp(services, `group-${topic}`, topic);
    expect(await terminate(second)).toBe(0);

    const { data, validation } = await stored(topic);
    const counts = countEventIds(data);
    expect(counts.size).toBe(600);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(validation).toBe(2);
    // The restart found the recorded intent, re-uploaded it (412: already stored) and committed it.
    expect(second.stdout()).toContain('"msg":"recorded object completed and committed"');
    expect(second.stdout()).toContain('"sinkType":"gcs"');
    expectNoKeyIn(first.stdout() + second.stdout());
  }, 180_000);

  test('503, 429 and a hung upload are retried with backoff; every event is stored once', async () => {
    const topic = 'gcs-faults';
    const exporter = launch(env(topic));
    await exporter.logged('assignment ready');
    const since = proxy.stats().faulted;
    proxy.inject({
      fault: { kind: 'status', status: 503 },
      count: 2,
      method: 'POST',
      path: dataUploads(topic),
    });
    proxy.inject({
      fault: { kind: 'status', status: 429 },
      count: 1,
      method: 'POST',
      path: dataUploads(topic),
    });
    proxy.inject({ fault: { kind: 'hang' }, count: 1, method: 'POST', path: dataUploads(topic) });
    proxy.inject({ fault: { kind: 'lose-response' }, count: 1, method: 'POST', path: dataUploads(topic) });
    await produce(services, topic, events(0, 500, topic), 3);
    await waitForFaults(5, since);
    await produce(services, topic, events(500, 500, topic), 3);
    await waitUntilCaughtUp(services, `group-${topic}`, topic);
    expect(await terminate(exporter)).toBe(0);

    const { data } = await stored(topic);
    const counts = countEventIds(data);
    expect(counts.size).toBe(1000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const retries = exporter
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"msg":"GCS request failed; retrying"'));
    expect(retries.length).toBeGreaterThanOrEqual(4);
    expect(retries.join('\n')).toContain('HTTP 503');
    expect(retries.join('\n')).toContain('HTTP 429');
    expectNoKeyIn(exporter.stdout());
  }, 180_000);
});
