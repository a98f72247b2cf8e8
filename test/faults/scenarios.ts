/**
 * The fault matrix of issue 5. Each scenario produces events with unique ids into its own topic, runs real
 * exporter processes (`node dist/runtime/cli/main.js run`) under one fault, and lets the runner verify every
 * object stored under its prefix (see local/faults/scenario.ts).
 */
import { leastPrivilegePolicy } from '../../runtime/config/policy';
import { DEFAULT_MAX_COMMIT_METADATA_BYTES } from '../../runtime/exporter/commit-metadata';
import {
  ExporterProcess,
  MatrixTiming,
  ScenarioContext,
  ScenarioSpec,
  StoredObject,
  apacheKafka,
  intentBytes,
  mockKafka,
  objectRanges,
  recordsLostTotal,
} from '../../local/faults';
import { SHORT_RETENTION } from '../../local';
import { seededRandom } from '../support/random';

const seconds = (ms: number) => ms / 1000;
/** Time for a dead or frozen member to be replaced and its intent completed, as a budget term. */
const takeover = (t: MatrixTiming) => 3 * seconds(t.sessionTimeoutMs) + 4 * t.intervalSeconds + 10;

/**
 * kill -9 at the moment the exporter stores: the proxy holds its data PUT (`before` = nothing reached S3)
 * or stores it and loses the answer, then holds the retry (`after-put` = stored, end offsets not committed).
 */
async function killAroundPut(context: ScenarioContext, point: 'before' | 'after-put'): Promise<void> {
  const { fleet, producer, proxy, dataPath } = context;
  context.step('starting the exporter');
  const exporter = await context.startReady();
  const since = proxy.stats().faulted;
  if (point === 'after-put') {
    proxy.inject({ fault: { kind: 'lose-response' }, count: 1, method: context.dataMethod, path: dataPath });
  }
  proxy.inject({ fault: { kind: 'hang' }, count: 1, method: context.dataMethod, path: dataPath });
  context.step('producing the first events');
  await producer.produce(150);
  context.step(
    point === 'before' ? 'waiting for the held data PUT' : 'waiting for the stored PUT and its held retry',
  );
  await context.waitForProxyFaults(point === 'before' ? 1 : 2, since);
  context.step('kill -9');
  await fleet.kill(exporter);
  await producer.produce(150);
  context.faultLifted();
  context.step('restarting the exporter');
  await context.startReady();
  context.step('waiting for every event to be stored and committed');
  await context.waitUntilExported();
}

/** Starts exporters at the same instant, resolving once every one of them is ready. */
async function startTogether(context: ScenarioContext, count: number): Promise<ExporterProcess[]> {
  return Promise.all(Array.from({ length: count }, () => context.startReady()));
}

async function terminateExpectingZero(context: ScenarioContext, exporter: ExporterProcess): Promise<void> {
  const exit = await context.fleet.terminate(exporter, 20_000);
  context.expect(
    exit.code === 0,
    `${exporter.label} exited with ${exit.code ?? exit.signal} after SIGTERM, not 0: ${exporter.tail()}`,
  );
}

/** 16: enough partitions that one interval's batch of one event per partition exceeds the metadata limit. */
const SPLIT_PARTITIONS = 256;
/**
 * 16: small enough that bursts are cut by size, large enough for one event per partition of all 256
 * partitions (~119 KB) to fit one batch, so that batch is split only by the commit-metadata limit.
 */
const SPLIT_MAX_OBJECT_BYTES = 128 * 1024;
/** 16: long enough that a round of one event per partition lands in one interval. */
const SPLIT_INTERVAL_SECONDS = 8;
/** 17, 18: well over the 1 MiB retention of their topics (SHORT_RETENTION; events are ~460 B). */
const RETENTION_OVERFLOW_EVENTS = 6_000;
const SKIP = { BATCH_EXPORTER_ON_DATA_LOSS: 'skip' };

/**
 * 16: how the stored objects were split. `metadata`: two objects of one batch (same interval start and
 * part, ascending disjoint partitions, together within maxObjectBytes, so no size cut between them) whose
 * single intent would not fit the metadata limit. `size`: objects cut at maxObjectBytes (within two lines of it).
 */
function splitEvidence(context: ScenarioContext, objects: readonly StoredObject[]) {
  const positionOf = (id: string) => context.producer.index.positionOf(id);
  const batchName = (key: string) =>
    key.slice(0, key.lastIndexOf('---')) + (/(\.\d+)\.jsonl$/.exec(key)?.[1] ?? '');
  const metadata: string[] = [];
  for (const a of objects) {
    for (const b of objects) {
      if (a === b || batchName(a.key) !== batchName(b.key)) continue;
      if (Math.max(...a.namedPartitions) >= Math.min(...b.namedPartitions)) continue;
      if (a.bytes + b.bytes > SPLIT_MAX_OBJECT_BYTES) continue;
      const together = intentBytes(
        {
          ...a,
          key: a.key.replace(/---[\d-]+/, `---${[...a.namedPartitions, ...b.namedPartitions].join('-')}`),
        },
        [...objectRanges(a, positionOf, []), ...objectRanges(b, positionOf, [])],
      );
      if (together !== undefined && together > DEFAULT_MAX_COMMIT_METADATA_BYTES) {
        metadata.push(
          `${a.namedPartitions.length} + ${b.namedPartitions.length} partitions (one intent: ${together} bytes)`,
        );
      }
    }
  }
  const size = objects.filter((o) => o.bytes > SPLIT_MAX_OBJECT_BYTES - 2_048);
  return { metadata, size };
}

/**
 * 17, 18: one exporter stores 300 events and stops (SIGTERM, exit 0); then, while none runs, enough events
 * that retention deletes segments with records never exported. Returns the first offset still stored.
 */
async function fallBehindRetention(context: ScenarioContext): Promise<bigint> {
  const { producer, services, topic } = context;
  context.step('starting the exporter');
  const exporter = await context.startReady();
  await producer.produce(300);
  context.step('waiting for the first 300 events to be stored and committed');
  await context.waitUntilExported();
  context.step('SIGTERM');
  await terminateExpectingZero(context, exporter);
  context.step(`producing ${RETENTION_OVERFLOW_EVENTS} events while no exporter runs`);
  await producer.produce(RETENTION_OVERFLOW_EVENTS);
  context.step('waiting for retention to delete the oldest segments');
  // Retention deletes segment by segment, every half second: wait until the low watermark stays put.
  let low = 0n;
  let stableSince = Date.now();
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    await context.sleep(250);
    const [watermarks] = await services.admin.fetchTopicOffsets(topic);
    const now = BigInt(watermarks.low);
    if (now !== low) [low, stableSince] = [now, Date.now()];
    else if (low > 300n && Date.now() - stableSince >= 2_000) break;
  }
  context.expect(low > 300n, `retention removed nothing: the low watermark is ${low}, not beyond 300`);
  return low;
}

/** 17, 18: a restart with onDataLoss=skip reports exactly `[300, low)` lost, logs it and counts it. */
async function resumeSkipping(context: ScenarioContext, low: bigint): Promise<void> {
  context.step('restarting with BATCH_EXPORTER_ON_DATA_LOSS=skip');
  const exporter = await context.startReady({ environment: SKIP });
  context.step('waiting for every event still stored to be stored and committed');
  await context.waitUntilExported();
  const reported = context.lostRanges().map((r) => `p${r.partition} [${r.from},${r.to})`);
  context.expect(
    reported.join(' ') === `p0 [300,${low})`,
    `the exporter reported lost ${reported.join(' ') || 'nothing'}, expected p0 [300,${low})`,
  );
  const counted = recordsLostTotal(await exporter.metrics());
  context.expect(
    counted === Number(low - 300n),
    `batch_exporter_records_lost_total is ${counted}, expected ${low - 300n}`,
  );
  context.note(`reported lost p0 [300,${low}); batch_exporter_records_lost_total ${counted}`);
}

/** 18: the committed offset and metadata of partition 0, to show a failed start moved nothing. */
async function committedState(context: ScenarioContext): Promise<string> {
  const [offsets] = await context.services.admin.fetchOffsets({
    groupId: context.groupId,
    topics: [context.topic],
  });
  const [partition] = offsets.partitions;
  return `offset ${partition.offset} metadata ${partition.metadata ?? ''}`;
}

/** 18: an exporter started without the skip option must stop with exit 1 naming the loss and the way on. */
async function startExpectingDataLossExit(context: ScenarioContext, attempt: number): Promise<void> {
  const exporter = await context.fleet.start({ expectExit: true });
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([
    exporter.exited,
    new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), 60_000))),
  ]);
  clearTimeout(timer);
  if (exit === undefined) {
    context.expect(false, `start ${attempt} without skip did not exit within 60 s: ${exporter.tail()}`);
    await context.fleet.kill(exporter);
    return;
  }
  const log = exporter.log();
  context.expect(
    exit.code === 1 && log.includes('DATA LOSS') && log.includes('BATCH_EXPORTER_ON_DATA_LOSS=skip'),
    `start ${attempt} without skip exited with ${exit.code ?? exit.signal}, expected 1 with "DATA LOSS" and ` +
      `"BATCH_EXPORTER_ON_DATA_LOSS=skip" in its log: ${exporter.tail()}`,
  );
}

const S3_SCENARIOS: readonly ScenarioSpec[] = [
  {
    id: '01',
    title: 'kill -9 before the put',
    budgetSeconds: (t) => 40 + takeover(t),
    run: (context) => killAroundPut(context, 'before'),
  },
  {
    id: '02',
    title: 'kill -9 between put and commit',
    budgetSeconds: (t) => 40 + takeover(t),
    run: (context) => killAroundPut(context, 'after-put'),
  },
  {
    id: '03',
    title: 'kill -9 after the commit',
    budgetSeconds: (t) => 40 + takeover(t),
    run: async (context) => {
      const { fleet, producer, monitor } = context;
      context.step('starting the exporter');
      const exporter = await context.startReady();
      context.step('producing');
      await producer.produce(150);
      context.step('waiting for the first commit');
      await monitor.waitForCommitAdvance();
      context.step('kill -9 right after the commit');
      await fleet.kill(exporter);
      await producer.produce(150);
      context.faultLifted();
      context.step('restarting the exporter');
      await context.startReady();
      context.step('waiting for every event to be stored and committed');
      await context.waitUntilExported();
    },
  },
  {
    id: '04',
    title: 'SIGTERM mid-interval',
    budgetSeconds: (t) => 50 + takeover(t),
    run: async (context) => {
      const { producer } = context;
      context.step('starting the exporter');
      const exporter = await context.startReady();
      context.step('producing under load, SIGTERM mid-interval');
      const load = producer.produceOver(300, 4_000);
      await context.sleep(1_500 + context.services.timing.intervalSeconds * 500);
      await terminateExpectingZero(context, exporter);
      context.faultLifted();
      context.step('restarting the exporter');
      await context.startReady();
      await load;
      context.step('waiting for every event to be stored and committed');
      await context.waitUntilExported();
    },
  },
  {
    id: '05',
    title: 'ten random kill -9 and restarts under load',
    partitions: 4,
    budgetSeconds: (t) => 90 + 2 * takeover(t),
    run: async (context) => {
      const { fleet, producer } = context;
      const next = seededRandom(5);
      context.step('starting two exporters');
      await startTogether(context, 2);
      const load = producer.produceOver(800, 12_000);
      // While members die every second or two the group cannot settle: idleness counts after the last restart.
      await context.monitor.faultWindow(async () => {
        for (let kill = 1; kill <= 10; kill++) {
          context.step(`random kill -9 number ${kill}`);
          await context.sleep(500 + next() * 1_500);
          const live = fleet.live();
          await fleet.kill(live[Math.floor(next() * live.length)]);
          await fleet.start();
        }
      });
      context.faultLifted();
      await load;
      context.step('waiting for every event to be stored and committed');
      await context.waitUntilExported();
    },
  },
  {
    id: '06',
    title: 'rebalance 1 -> 3 -> 1 consumers under load',
    partitions: 4,
    budgetSeconds: (t) => 60 + 2 * takeover(t),
    run: async (context) => {
      const { producer } = context;
      context.step('starting one exporter');
      await context.startReady();
      const load = producer.produceOver(600, 10_000);
      await context.sleep(2_000);
      // Back-to-back rebalances while scaling: idleness counts once the group is back to one member.
      await context.monitor.faultWindow(async () => {
        context.step('scaling to three exporters');
        const [second, third] = await startTogether(context, 2);
        await context.sleep(3_000);
        context.step('scaling back to one exporter (SIGTERM)');
        await Promise.all([terminateExpectingZero(context, second), terminateExpectingZero(context, third)]);
      });
      context.faultLifted();
      await load;
      context.step('waiting for every event to be stored and committed');
      await context.waitUntilExported();
    },
  },
  {
    id: '07',
    title: 'zombie: SIGSTOP past the session timeout, SIGCONT',
    budgetSeconds: (t) => 60 + 3 * takeover(t),
    run: async (context) => {
      const { producer, monitor } = context;
      context.step('starting two exporters');
      const [zombie] = await startTogether(context, 2);
      const load = producer.produceOver(300, 3_000);
      await context.sleep(1_500);
      context.step('SIGSTOP one exporter holding a batch');
      zombie.signal('SIGSTOP');
      await monitor.faultWindow(async () => {
        await load;
        context.step('waiting for the other exporter to take over and export everything');
        await context.waitUntilExported();
      });
      context.step('SIGCONT the zombie');
      zombie.signal('SIGCONT');
      context.faultLifted();
      await producer.produce(150);
      context.step('waiting for every event to be stored and committed');
      await context.waitUntilExported();
    },
  },
  {
    id: '08',
    title: 'all brokers killed (-9) for 5 s, then restarted',
    exclusive: true,
    budgetSeconds: (t) => 120 + takeover(t),
    run: async (context) => {
      const { producer, monitor, services } = context;
      context.step('starting the exporter');
      await context.startReady();
      await producer.produce(150);
      await context.sleep(500);
      context.step('kill -9 every broker');
      const kafka = apacheKafka(services);
      await monitor.faultWindow(async () => {
        await Promise.all([0, 1, 2].map((broker) => kafka.kill(broker, 'SIGKILL')));
        await context.sleep(5_000);
        context.step('restarting every broker');
        await Promise.all([0, 1, 2].map((broker) => kafka.restart(broker)));
      });
      context.faultLifted();
      context.step('producing after the brokers came back');
      await producer.produce(150);
      context.step('waiting for every event to be stored and committed');
      await context.waitUntilExported();
    },
  },
  {
    id: '09',
    title: 'leader changes: each broker in turn stopped (SIGTERM) and restarted, 4 times',
    exclusive: true,
    budgetSeconds: (t) => 120 + takeover(t),
    run: async (context) => {
      const { producer, services } = context;
      context.step('starting two exporters');
      await startTogether(context, 2);
      const load = producer.produceOver(450, 20_000);
      const kafka = apacheKafka(services);
      for (let round = 1; round <= 4; round++) {
        const broker = (round - 1) % 3;
        context.step(`stopping broker ${broker + 1}: its partitions' leadership moves (round ${round})`);
        await context.sleep(1_000);
        await kafka.kill(broker, 'SIGTERM');
        context.step(`restarting broker ${broker + 1} (round ${round})`);
        await kafka.restart(broker);
      }
      context.faultLifted();
      await load;
      context.step('waiting for every event to be stored and committed');
      await context.waitUntilExported();
    },
  },
  {
    id: '10',
    title: 'commits failing with REBALANCE_IN_PROGRESS',
    // The only scenario on the mock cluster, so its cluster-wide request errors touch no other scenario.
    broker: 'mock',
    budgetSeconds: (t) => 40 + takeover(t),
    run: async (context) => {
      const { producer, services } = context;
      context.step('starting the exporter');
      await context.startReady();
      context.step('failing the next 6 OffsetCommit requests (api key 8, error 27)');
      await mockKafka(services).fault('request-errors 8 27 6');
      await producer.produceOver(300, 3_000);
      context.faultLifted();
      context.step('waiting for every event to be stored and committed');
      await context.waitUntilExported();
    },
  },
  {
    id: '11',
    title: 'S3 503 and 500 bursts',
    budgetSeconds: (t) => 90 + t.intervalSeconds * 10,
    run: async (context) => {
      const { producer, proxy, dataPath } = context;
      context.step('starting the exporter');
      await context.startReady();
      const since = proxy.stats().faulted;
      proxy.inject({
        fault: { kind: 'status', status: 503 },
        count: 4,
        method: context.dataMethod,
        path: dataPath,
      });
      proxy.inject({
        fault: { kind: 'status', status: 500 },
        count: 4,
        method: context.dataMethod,
        path: dataPath,
      });
      context.step('producing into the bursts');
      await producer.produceOver(300, 3_000);
      context.step('waiting for the 8 injected errors');
      await context.waitForProxyFaults(8, since);
      context.faultLifted();
      context.step('waiting for every event to be stored and committed');
      await context.waitUntilExported();
    },
  },
  {
    id: '12',
    title: 'S3 timeouts (requests held unanswered)',
    budgetSeconds: (t) => 40 + 3 * seconds(t.s3RequestTimeoutMs),
    run: async (context) => {
      const { producer, proxy, dataPath } = context;
      context.step('starting the exporter');
      await context.startReady();
      const since = proxy.stats().faulted;
      proxy.inject({ fault: { kind: 'hang' }, count: 2, method: context.dataMethod, path: dataPath });
      await producer.produce(200);
      context.step('waiting for the 2 held requests');
      await context.waitForProxyFaults(2, since);
      context.faultLifted();
      context.step(
        'waiting for every event to be stored and committed (the exporter must time out and retry)',
      );
      await context.waitUntilExported();
    },
  },
  {
    id: '13',
    title: 'S3 answers 500 after storing (lost response)',
    budgetSeconds: (t) => 90 + t.intervalSeconds * 10,
    run: async (context) => {
      const { producer, proxy, dataPath } = context;
      context.step('starting the exporter');
      await context.startReady();
      const since = proxy.stats().faulted;
      proxy.inject({
        fault: { kind: 'lose-response' },
        count: 3,
        method: context.dataMethod,
        path: dataPath,
      });
      await producer.produceOver(300, 3_000);
      context.step('waiting for the 3 lost responses');
      await context.waitForProxyFaults(3, since);
      context.faultLifted();
      context.step('waiting for every event to be stored and committed');
      await context.waitUntilExported();
    },
  },
  {
    id: '14',
    title: 'IAM enforced, seed policy only: lost response, kill -9, 503',
    budgetSeconds: (t) => 50 + takeover(t),
    credentials: (services, names) =>
      // One user per run of the scenario (faults-14-writer, faults-14-native-writer): IAM names are global.
      services.aws.createUserWithPolicy(
        `${names.topic}-writer`,
        leastPrivilegePolicy(services.bucket, names.prefix),
      ),
    run: async (context) => {
      const { proxy, dataPath } = context;
      await killAroundPut(context, 'after-put');
      const since = proxy.stats().faulted;
      proxy.inject({
        fault: { kind: 'status', status: 503 },
        count: 2,
        method: context.dataMethod,
        path: dataPath,
      });
      proxy.inject({
        fault: { kind: 'lose-response' },
        count: 1,
        method: context.dataMethod,
        path: dataPath,
      });
      context.step('producing into 503s and a lost response');
      await context.producer.produce(150);
      await context.waitForProxyFaults(3, since);
      context.faultLifted();
      context.step('waiting for every event to be stored and committed');
      await context.waitUntilExported();
    },
  },
  {
    id: '15',
    title: 'zombie frozen mid-put: SIGSTOP while its PUT hangs, SIGCONT after takeover',
    budgetSeconds: (t) => 60 + 3 * takeover(t),
    run: async (context) => {
      const { producer, monitor, proxy, dataPath } = context;
      context.step('starting the exporter that will freeze');
      const zombie = await context.startReady();
      const since = proxy.stats().faulted;
      proxy.inject({ fault: { kind: 'hang' }, count: 1, method: context.dataMethod, path: dataPath });
      await producer.produce(150);
      context.step('waiting for its data PUT (held: intent committed, object not stored)');
      await context.waitForProxyFaults(1, since);
      zombie.signal('SIGSTOP');
      await monitor.faultWindow(async () => {
        context.step('starting a second exporter: it must take over and complete the intent');
        await context.startReady();
        await producer.produce(150);
        await context.waitUntilExported();
      });
      context.step('SIGCONT: the zombie times out its PUT, retries (412) and must be fenced at commit');
      zombie.signal('SIGCONT');
      context.faultLifted();
      await context.sleep(2 * context.services.timing.s3RequestTimeoutMs);
      await producer.produce(150);
      context.step('waiting for every event to be stored and committed');
      await context.waitUntilExported();
    },
  },
  {
    id: '16',
    title: 'objects split at maxObjectBytes and by the commit-metadata limit, kill -9 between put and commit',
    partitions: SPLIT_PARTITIONS,
    // An 8 s interval: producing one event to each of 256 partitions on 3 real brokers takes seconds under load,
    // and a round must land in one interval to make one batch.
    environment: {
      BATCH_EXPORTER_MAX_OBJECT_BYTES: String(SPLIT_MAX_OBJECT_BYTES),
      BATCH_EXPORTER_INTERVAL_SECONDS: String(SPLIT_INTERVAL_SECONDS),
    },
    budgetSeconds: (t) => 90 + takeover(t),
    run: async (context) => {
      const { fleet, producer, proxy, services, prefix, catalog } = context;
      context.step('starting the exporter');
      const exporter = await context.startReady();
      // Only the large object of a batch split by the metadata limit lists 200 partitions or more.
      const largeObject = new RegExp(
        `^/${services.bucket}/${prefix}/\\d{4}-[^/]*---(?:\\d+-){199,}\\d+(?:\\.\\d+)?\\.jsonl`,
      );
      const since = proxy.stats().faulted;
      proxy.inject({
        fault: { kind: 'lose-response' },
        count: 1,
        method: context.dataMethod,
        path: largeObject,
      });
      proxy.inject({ fault: { kind: 'hang' }, count: 1, method: context.dataMethod, path: largeObject });
      // One event per partition fits one batch; a round that straddles an interval end is not split by the
      // limit (each half fits), so rounds go on until the large object's PUT was stored and its retry held.
      for (let round = 1; proxy.stats().faulted - since < 2; round++) {
        if (round > 6) throw new Error('no object of 200 partitions or more after 6 rounds');
        // Intervals are UTC-aligned: start the round just after an interval begins, so it lands in one.
        const intervalMs = SPLIT_INTERVAL_SECONDS * 1000;
        await context.sleep(intervalMs - (Date.now() % intervalMs) + 50);
        context.step(`producing one event per partition (round ${round})`);
        await producer.produce(SPLIT_PARTITIONS);
        const deadline = Date.now() + 2 * SPLIT_INTERVAL_SECONDS * 1000;
        while (proxy.stats().faulted - since < 2 && Date.now() < deadline) await context.sleep(50);
      }
      context.step('kill -9 between the put of the large object and its commit');
      await fleet.kill(exporter);
      context.step('producing four events per partition while it is down (cut by size on restart)');
      await producer.produce(4 * SPLIT_PARTITIONS);
      context.faultLifted();
      context.step('restarting the exporter');
      await context.startReady();
      context.step('waiting for every event to be stored and committed');
      await context.waitUntilExported();
      await catalog.refresh();
      const objects = catalog.all();
      const split = splitEvidence(context, objects);
      context.expect(split.metadata.length > 0, 'no batch was split by the commit-metadata limit');
      context.expect(split.size.length > 0, `no object was cut at maxObjectBytes ${SPLIT_MAX_OBJECT_BYTES}`);
      const counts = objects.map((o) => o.namedPartitions.length).sort((a, b) => b - a);
      context.note(
        `split by the metadata limit: ${split.metadata.join('; ') || 'none'}; cut at maxObjectBytes: ` +
          `${split.size.length} objects (${split.size.map((o) => o.bytes).join(', ')} bytes); partitions per ` +
          `object: ${counts.join(',')}`,
      );
    },
  },
  {
    id: '17',
    topicConfig: SHORT_RETENTION,
    title: 'retention removes records while the exporter is down, onDataLoss=skip',
    partitions: 1,
    expectsLoss: true,
    budgetSeconds: (t) => 60 + takeover(t),
    run: async (context) => {
      const low = await fallBehindRetention(context);
      context.faultLifted();
      await resumeSkipping(context, low);
    },
  },
  {
    id: '18',
    topicConfig: SHORT_RETENTION,
    title: 'retention loss with the default onDataLoss=fail: exit 1 twice, then skip',
    partitions: 1,
    expectsLoss: true,
    budgetSeconds: (t) => 90 + takeover(t),
    run: async (context) => {
      const low = await fallBehindRetention(context);
      const before = await committedState(context);
      await context.monitor.faultWindow(async () => {
        for (const attempt of [1, 2]) {
          context.step(`start ${attempt} without skip: must exit 1 and commit nothing`);
          await startExpectingDataLossExit(context, attempt);
          const after = await committedState(context);
          context.expect(
            after === before,
            `start ${attempt} without skip moved the committed state from ${before} to ${after}`,
          );
        }
      });
      context.faultLifted();
      await resumeSkipping(context, low);
    },
  },
];

/**
 * 19-22: the storage scenarios again on Google Cloud Storage (fake-gcs-server behind the proxy in its GCS
 * dialect, a service account key file as the sink credentials): the proxy's faults hit the multipart
 * uploads (POST, ifGenerationMatch=0), and a retried upload that was stored gets 412 like S3's PUT.
 */
const ON_GCS: ReadonlyArray<readonly [from: string, id: string]> = [
  ['02', '19'],
  ['11', '20'],
  ['12', '21'],
  ['15', '22'],
];

function onGcs(from: string, id: string): ScenarioSpec {
  const spec = S3_SCENARIOS.find((s) => s.id === from)!;
  return {
    ...spec,
    id,
    title: `GCS: ${spec.title
      .replace(/^S3 /, '')
      .replace(/\bput\b/g, 'upload')
      .replace(/\bPUT\b/g, 'upload')}`,
    sink: 'gcs',
  };
}

export const SCENARIOS: readonly ScenarioSpec[] = [
  ...S3_SCENARIOS,
  ...ON_GCS.map(([from, id]) => onGcs(from, id)),
];

/**
 * The scenarios `npm test` runs on the native Kafka client too (as `<id>-native`): one of every fault kind.
 * Kafka-side: a kill -9 between put and commit (02), a clean stop (04), random kills with the rebalances
 * they cause (05), all brokers down (08), leader changes (09), failing commits (10, mock), the
 * commit-metadata split over 256 partitions (16) and retention loss with `fail` then `skip` (18); sink-side,
 * the scenarios that combine the sink's faults with a crash or a freeze (14: kill -9, 503s and a lost answer
 * under the seed policy; 15: a zombie whose held PUT times out). Left on kafkajs only, each fault made on
 * the native client by a scenario above: 01 and 03 (02, 14), 06 (05's rebalances, 04's leaving member), 07
 * (15's zombie), 11, 12 and 13 (14, 15), 17 (18 ends in `skip`), and the GCS scenarios 19-22 (the same
 * faults on the other sink, which the Kafka client does not see). See test/faults/README.md.
 */
export const NATIVE_SCENARIOS: readonly string[] = [
  '02',
  '04',
  '05',
  '08',
  '09',
  '10',
  '14',
  '15',
  '16',
  '18',
];
