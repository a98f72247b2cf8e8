/**
 * The local stand-ins for Kafka and AWS that the demo and every integration test use: a librdkafka mock
 * cluster and moto_server, each on free ports on 127.0.0.1, started and stopped together.
 */
import { LocalAws, MotoOptions, startMoto } from './aws/moto';
import { MockKafka, MockKafkaOptions, startMockKafka } from './kafka/mock-kafka';

export { AwsCredentials, LocalAws, MotoOptions, startMoto } from './aws/moto';
export { MockKafka, MockKafkaOptions, startMockKafka } from './kafka/mock-kafka';
export {
  EXTERNAL_BOOTSTRAP_VARIABLE,
  KafkaOptions,
  LocalKafka,
  TopicSpec,
  startKafka,
} from './kafka/apache-kafka';
export { ApiKey, BrokerApiVersions, fetchApiVersions } from './kafka/api-versions';
export { freePort } from './process';

export interface LocalServicesOptions {
  readonly kafka: MockKafkaOptions;
  readonly aws?: MotoOptions;
}

export interface LocalServices {
  readonly kafka: MockKafka;
  readonly aws: LocalAws;
  stop(): Promise<void>;
}

/** Starts both services; if either fails to start, the other is stopped before the error surfaces. */
export async function startLocalServices(options: LocalServicesOptions): Promise<LocalServices> {
  const [kafka, aws] = await Promise.allSettled([startMockKafka(options.kafka), startMoto(options.aws)]);
  if (kafka.status === 'rejected' || aws.status === 'rejected') {
    await Promise.allSettled([
      kafka.status === 'fulfilled' ? kafka.value.stop() : undefined,
      aws.status === 'fulfilled' ? aws.value.stop() : undefined,
    ]);
    throw kafka.status === 'rejected' ? kafka.reason : (aws as PromiseRejectedResult).reason;
  }
  return {
    kafka: kafka.value,
    aws: aws.value,
    stop: async () => {
      await Promise.allSettled([kafka.value.stop(), aws.value.stop()]);
    },
  };
}
