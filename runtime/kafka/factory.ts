import type { KafkaClient } from '../config/types';
import type { ConsumerFactory } from './consumer';
import type { KafkaJsConsumerOptions } from './kafkajs-consumer';
import { NativeConsumerFactory, NativeKafkaError } from './native-consumer';

/**
 * The consumer clients of `client` (config `kafka.client`): kafkajs, or the native addon over librdkafka.
 * kafkajs is loaded only when it is used (~50 ms of CPU at start-up).
 */
export function createConsumerFactory(client: KafkaClient, options: KafkaJsConsumerOptions): ConsumerFactory {
  if (client === 'native') return new NativeConsumerFactory(options);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { KafkaJsConsumerFactory } = require('./kafkajs-consumer') as typeof import('./kafkajs-consumer');
  return new KafkaJsConsumerFactory(options);
}

/** Errors of either client that mean Kafka is unreachable or busy for a while (not the data path's fault). */
export function isKafkaError(error: unknown): boolean {
  return error instanceof NativeKafkaError || (error instanceof Error && error.name.startsWith('KafkaJS'));
}
