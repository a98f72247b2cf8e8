/**
 * The bare kafkajs baseline, run as its own process (`node dist/bench/bare-consumer.js BROKERS TOPIC
 * GROUP EXPECTED`): a group consumer with kafkajs defaults that does nothing with the records and stops
 * once it has seen EXPECTED of them. Prints one JSON line: records, seconds since joining the group,
 * seconds since start, and the process's peak RSS.
 */
import { Kafka, logLevel } from 'kafkajs';

export interface BareConsumerReport {
  readonly records: number;
  /** From the group join to the last record. */
  readonly seconds: number;
  /** From connecting to the last record. */
  readonly wallSeconds: number;
  readonly peakRssMb: number;
}

async function main(): Promise<void> {
  const [brokers, topic, groupId, expectedText] = process.argv.slice(2);
  const expected = Number(expectedText);
  if (!brokers || !topic || !groupId || !Number.isInteger(expected) || expected < 1) {
    throw new Error('usage: bare-consumer.js BROKERS TOPIC GROUP EXPECTED_RECORDS');
  }
  const started = performance.now();
  const kafka = new Kafka({ clientId: 'bench-bare', brokers: brokers.split(','), logLevel: logLevel.ERROR });
  const consumer = kafka.consumer({ groupId });
  let joined = started;
  consumer.on(consumer.events.GROUP_JOIN, () => (joined = performance.now()));
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  const finished = new Promise<{ records: number; ended: number }>((resolve, reject) => {
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          seen += batch.messages.length;
          if (seen >= expected) resolve({ records: seen, ended: performance.now() });
        },
      })
      .catch(reject);
  });
  const { records, ended } = await finished;
  const report: BareConsumerReport = {
    records,
    seconds: (ended - joined) / 1000,
    wallSeconds: (ended - started) / 1000,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  await consumer.disconnect();
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
