import { installGroupDenialReporting } from '../../../runtime/kafka/kafkajs-group-denial';

// The kafkajs internals the patch wraps, driven through their own code with only the network replaced.
/* eslint-disable @typescript-eslint/no-require-imports */
const Broker = require('kafkajs/src/broker') as { prototype: object };
const Cluster = require('kafkajs/src/cluster') as { prototype: object };
const BrokerPool = require('kafkajs/src/cluster/brokerPool') as { prototype: object };
const createRetry = require('kafkajs/src/retry') as (options: object) => unknown;
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode(code: number): object;
};
const { KafkaJSProtocolError, KafkaJSConnectionError } = require('kafkajs/src/errors') as {
  KafkaJSProtocolError: new (e: object) => Error;
  KafkaJSConnectionError: new (message: string) => Error;
};
/* eslint-enable @typescript-eslint/no-require-imports */

const GROUP_AUTHORIZATION_FAILED = 30;
const quiet = () => undefined;
const logger = { debug: quiet, info: quiet, warn: quiet, error: quiet };

/** What one broker answers to FindCoordinator for a group. */
type Answer = 'refuse' | 'unreachable' | 'coordinator';

/** A kafkajs Broker whose request sender answers FindCoordinator as `answer(groupId)` says. */
function broker(answer: (groupId: string) => Answer): object {
  // Broker's request sender is a method under a private symbol: the only one on its prototype.
  const [send] = Object.getOwnPropertySymbols(Broker.prototype);
  return Object.assign(Object.create(Broker.prototype) as object, {
    lookupRequest: () => (request: { groupId: string }) => request,
    [send]: async (request: { groupId: string }) => {
      switch (answer(request.groupId)) {
        case 'refuse':
          throw new KafkaJSProtocolError(createErrorFromCode(GROUP_AUTHORIZATION_FAILED));
        case 'unreachable':
          throw new KafkaJSConnectionError('Connection error: ECONNREFUSED');
        case 'coordinator':
          return { coordinator: { nodeId: 1, host: 'localhost', port: 9092 }, host: 'localhost' };
      }
    },
  });
}

/** A kafkajs Cluster over `brokers` (its own broker loop and retrier, no retries). */
function cluster(brokers: readonly object[]) {
  const pool = Object.assign(Object.create(BrokerPool.prototype) as object, {
    brokers: Object.fromEntries(brokers.map((b, i) => [String(i + 1), b])),
    findBroker: async ({ nodeId }: { nodeId: string }) => brokers[Number(nodeId) - 1],
  });
  return Object.assign(Object.create(Cluster.prototype) as object, {
    brokerPool: pool,
    retrier: createRetry({ retries: 0 }),
    logger,
  }) as unknown as { findGroupCoordinatorMetadata(request: { groupId: string }): Promise<unknown> };
}

describe('kafkajs group denial reporting (runtime/kafka/kafkajs-group-denial.ts)', () => {
  beforeAll(() => installGroupDenialReporting());

  test('a FindCoordinator refused by every broker surfaces as GROUP_AUTHORIZATION_FAILED naming the group', async () => {
    const refusing = cluster([broker(() => 'refuse'), broker(() => 'refuse')]);
    await expect(refusing.findGroupCoordinatorMetadata({ groupId: 'denied-group' })).rejects.toMatchObject({
      type: 'GROUP_AUTHORIZATION_FAILED',
      groupId: 'denied-group',
    });
  });

  test('a refusal from one broker is reported even when the others were unreachable', async () => {
    const mixed = cluster([broker(() => 'unreachable'), broker(() => 'refuse')]);
    await expect(mixed.findGroupCoordinatorMetadata({ groupId: 'half-denied' })).rejects.toMatchObject({
      type: 'GROUP_AUTHORIZATION_FAILED',
    });
  });

  test('unreachable brokers without a refusal still give kafkajs own "not found"', async () => {
    const down = cluster([broker(() => 'unreachable')]);
    await expect(down.findGroupCoordinatorMetadata({ groupId: 'never-denied' })).rejects.toMatchObject({
      name: 'KafkaJSGroupCoordinatorNotFound',
    });
  });

  test("denials are per group: one group's refusal never explains another group's failure", async () => {
    const answers = cluster([broker((groupId) => (groupId === 'refused' ? 'refuse' : 'unreachable'))]);
    await expect(answers.findGroupCoordinatorMetadata({ groupId: 'refused' })).rejects.toMatchObject({
      type: 'GROUP_AUTHORIZATION_FAILED',
    });
    await expect(answers.findGroupCoordinatorMetadata({ groupId: 'other' })).rejects.toMatchObject({
      name: 'KafkaJSGroupCoordinatorNotFound',
    });
  });

  test('once the group ACL is granted, the old refusal is forgotten: a later outage is reported as one', async () => {
    let answer: Answer = 'refuse';
    const changing = cluster([broker(() => answer)]);
    await expect(changing.findGroupCoordinatorMetadata({ groupId: 'granted' })).rejects.toMatchObject({
      type: 'GROUP_AUTHORIZATION_FAILED',
    });
    answer = 'coordinator';
    await expect(changing.findGroupCoordinatorMetadata({ groupId: 'granted' })).resolves.toMatchObject({
      coordinator: { nodeId: 1 },
    });
    answer = 'unreachable';
    await expect(changing.findGroupCoordinatorMetadata({ groupId: 'granted' })).rejects.toMatchObject({
      name: 'KafkaJSGroupCoordinatorNotFound',
    });
  });

  test('installing twice wraps kafkajs once', () => {
    const brokerFind = (Broker.prototype as { findGroupCoordinator: unknown }).findGroupCoordinator;
    const clusterFind = (Cluster.prototype as { findGroupCoordinatorMetadata: unknown })
      .findGroupCoordinatorMetadata;
    installGroupDenialReporting();
    expect((Broker.prototype as { findGroupCoordinator: unknown }).findGroupCoordinator).toBe(brokerFind);
    expect(
      (Cluster.prototype as { findGroupCoordinatorMetadata: unknown }).findGroupCoordinatorMetadata,
    ).toBe(clusterFind);
  });
});
