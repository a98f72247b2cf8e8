import type { LocalServices } from '../../../local';
import { KAFKA_CLIENTS, createBucket, waitUntilCaughtUp } from '../support/exporter-harness';
import { events, terminate } from '../support/exporter-process';
import {
  duplicates,
  exportedTo,
  groupOf,
  partitionLeaders,
  realKafkaEnv,
  realKafkaSuite,
  testClient,
} from '../support/real-kafka-exporter';

jest.setTimeout(150_000);

/** Three Apache Kafka brokers (replication factor 3, min.insync.replicas 2) under the exporter process. */
describe('exporter process on a three-broker Apache Kafka cluster', () => {
  const suite = realKafkaSuite({
    brokers: 3,
    topics: KAFKA_CLIENTS.map((client) => ({
      name: `leader-${client}`,
      partitions: 4,
      replicationFactor: 3,
      config: { 'min.insync.replicas': '2' },
    })),
  });

  /** The broker (node id) leading most partitions of `topic`, and which partitions it leads. */
  async function busiestLeader(topic: string): Promise<{ nodeId: number; partitions: number[] }> {
    const led = new Map<number, number[]>();
    for (const p of await partitionLeaders(suite.kafka.brokers, topic)) {
      led.set(p.leader, [...(led.get(p.leader) ?? []), p.partition]);
    }
    const [nodeId, partitions] = [...led].sort((a, b) => b[1].length - a[1].length)[0];
    return { nodeId, partitions };
  }

  test.each(KAFKA_CLIENTS)(
    '%s: the leader of the exporter partitions killed with -9 mid-interval while producing: every event stored once',
    async (client) => {
      const topic = `leader-${client}`;
      await createBucket(suite.services, topic);
      // Idempotent, acks=all: the producer's own retries across the leader change write nothing twice.
      // Patient: on a loaded machine the new leader may take longer than kafkajs' 5 default retries.
      const producer = testClient(suite.kafka.brokers).producer({
        idempotent: true,
        maxInFlightRequests: 1,
        retry: { retries: 15 },
      });
      await producer.connect();
      const exporter = suite.start(
        realKafkaEnv({
          brokers: suite.kafka.brokers,
          endpoint: suite.aws.endpoint,
          topic,
          client,
          intervalSeconds: 2,
        }),
      );
      const leader = await busiestLeader(topic);
      let produced = 0;
      const send = async (count: number) => {
        const values = events(produced, count, topic);
        await producer.send({
          topic,
          acks: -1,
          messages: values.map((value, i) => ({ value, partition: (produced + i) % 4 })),
        });
        produced += count;
      };
      let killedAt = -1;
      try {
        await exporter.logged('partitions assigned');
        // 30 sends of 100, 100 ms apart; the leader dies after the 10th (mid-interval: 2 s intervals).
        for (let round = 0; round < 30; round++) {
          await send(100);
          if (round === 9) {
            killedAt = produced;
            await suite.kafka.kill(leader.nodeId - 1, 'SIGKILL');
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      } finally {
        await producer.disconnect();
      }
      // Asked of the live brokers only: an admin client whose seed is the dead one may give up connecting.
      const live = suite.kafka.brokers.filter((_, index) => index !== leader.nodeId - 1);
      const services = { kafka: { brokers: live }, aws: suite.aws } as unknown as LocalServices;
      const progress = await waitUntilCaughtUp(services, groupOf(topic), topic, 90_000).catch((error) => {
        throw new Error(`${(error as Error).message}\n${exporter.stdout().slice(-6000)}`);
      });
      const code = await terminate(exporter);
      await suite.kafka.restart(leader.nodeId - 1);
      expect(code).toBe(0);
      expect(killedAt).toBe(1000);
      expect(leader.partitions.length).toBeGreaterThan(0);
      expect([...progress.high.values()]).toEqual(['750', '750', '750', '750']);
      const { events: stored } = await exportedTo(suite.aws, topic);
      expect(stored.size).toBe(3000);
      expect(duplicates(stored)).toEqual([]);
    },
  );
});
