import type { KafkaClient } from '../config/types';
import type { ConsumerFactory } from './consumer';
import { KafkaJsConsumerFactory, type KafkaJsConsumerOptions } from './kafkajs-consumer';
import { NativeConsumerFactory, NativeKafkaError } from './native-consumer';

/** The consumer clients of `client` (config `kafka.client`): kafkajs, or the native addon over librdkafka. */
export function createConsumerFactory(client: KafkaClient, options: KafkaJsConsumerOptions): ConsumerFactory {
  return client === 'native' ? new NativeConsumerFactory(options) : new KafkaJsConsumerFactory(options);
}

/** Errors of either client that mean Kafka is unreachable or busy for a while (not the data path's fault). */
export function isKafkaError(error: unknown): boolean {
  return error instanceof NativeKafkaError || (error instanceof Error && error.name.startsWith('KafkaJS'));
}
