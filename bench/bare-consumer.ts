/**
 * The bare client baselines, run as their own process (`node dist/bench/bare-consumer.js BROKERS TOPIC
 * GROUP EXPECTED [kafkajs|native]`): a group consumer that does nothing with the records and stops once it
 * has seen EXPECTED of them — kafkajs with its defaults, or the runtime's native addon polled in bulk as
 * the exporter polls it. Prints one JSON line: records, seconds since joining the group, seconds since
 * start, the process's peak RSS and CPU seconds (from the join, and in all).
 */
import { Kafka, logLevel } from 'kafkajs';
import { loadNativeAddon } from '../runtime/kafka/native-addon';
import {
  CONSUMER_PROPERTIES,
  POLL_MAX_BYTES,
  POLL_MAX_RECORDS,
  POLL_TIMEOUT_MS,
} from '../runtime/kafka/native-consumer';

export interface BareConsumerReport {
  readonly records: number;
  /** From the group join to the last record. */
  readonly seconds: number;
  /** From connecting to the last record. */
  readonly wallSeconds: number;
  readonly peakRssMb: number;
  /** User + system CPU seconds from the group join to the last record (the steady state). */
  readonly cpuSeconds: number;
  /** User + system CPU seconds of the whole process up to the last record (start-up included). */
  readonly cpuSecondsIncludingStartup: number;
}

interface Consumed {
  readonly records: number;
  readonly joined: number;
  /** CPU seconds (user + system) of the process at the join. */
  readonly joinedCpu: number;
  readonly ended: number;
  readonly endedCpu: number;
}

const cpuNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

async function consumeKafkajs(
  brokers: string,
  topic: string,
  groupId: string,
  expected: number,
): Promise<Consumed> {
  const kafka = new Kafka({ clientId: 'bench-bare', brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId });
  let joined = performance.now();
  let joinedCpu = cpuNow();
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joined = performance.now();
    joinedCpu = cpuNow();
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  const { records, ended, endedCpu } = await new Promise<{
    records: number;
    ended: number;
    endedCpu: number;
  }>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          seen += batch.messages.length;
          if (seen >= expected) resolve({ records: seen, ended: performance.now(), endedCpu: cpuNow() });
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return { records, joined, joinedCpu, ended, endedCpu };
}

async function consumeNative(
  brokers: string,
  topic: string,
  groupId: string,
  expected: number,
): Promise<Consumed> {
  const addon = loadNativeAddon();
  const handle = addon.create(
    {
      // As the exporter's native adapter, which also polls as below.
      ...CONSUMER_PROPERTIES,
      'bootstrap.servers': brokers,
      'group.id': groupId,
      'auto.offset.reset': 'earliest',
    },
    true,
    false,
  );
  addon.subscribe(handle, topic);
  let joined = performance.now();
  let joinedCpu = cpuNow();
  let records = 0;
  while (records < expected) {
    const result = await addon.poll(handle, POLL_MAX_RECORDS, POLL_MAX_BYTES, POLL_TIMEOUT_MS);
    if (result.events.some((e) => e.type === 'assigned')) {
      joined = performance.now();
      joinedCpu = cpuNow();
    }
    records += result.count;
  }
  const ended = performance.now();
  const endedCpu = cpuNow();
  await addon.close(handle);
  return { records, joined, joinedCpu, ended, endedCpu };
}

async function main(): Promise<void> {
  const [brokers, topic, groupId, expectedText] = process.argv.slice(2);
  const expected = Number(expectedText);
  if (!brokers || !topic || !groupId || !Number.isInteger(expected) || expected < 1) {
    throw new Error('usage: bare-consumer.js BROKERS TOPIC GROUP EXPECTED_RECORDS');
  }
  const started = performance.now();
  const client = process.argv[6] ?? 'kafkajs';
  const consume = client === 'native' ? consumeNative : consumeKafkajs;
  const { records, joined, joinedCpu, ended, endedCpu } = await consume(brokers, topic, groupId, expected);
  const report: BareConsumerReport = {
    records,
    seconds: (ended - joined) / 1000,
    wallSeconds: (ended - started) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    cpuSeconds: endedCpu - joinedCpu,
    cpuSecondsIncludingStartup: endedCpu,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
