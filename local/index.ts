/**
 * The local services the demo and every integration test use: a real Apache Kafka broker (KRaft, from Maven;
 * or the broker KAFKA_BOOTSTRAP names) and moto_server, each on free ports on 127.0.0.1, started and stopped
 * together. librdkafka's mock cluster (`startMockKafka`) stays for the faults only it can inject.
 */
import { LocalAws, MotoOptions, startMoto } from './aws/moto';
import { KafkaOptions, LocalKafka, startKafka } from './kafka/apache-kafka';

export { AwsCredentials, LocalAws, MotoOptions, startMoto } from './aws/moto';
export { MockKafka, MockKafkaOptions, startMockKafka } from './kafka/mock-kafka';
export {
  EXTERNAL_BOOTSTRAP_VARIABLE,
  KafkaOptions,
  LocalKafka,
  TopicSpec,
  startKafka,
} from './kafka/apache-kafka';
export { FAST_RETENTION_BROKER_CONFIG, SHORT_RETENTION } from './kafka/topics';
export { ApiKey, BrokerApiVersions, fetchApiVersions } from './kafka/api-versions';
export { freePort } from './process';

export interface LocalServicesOptions {
  readonly kafka: KafkaOptions;
  readonly aws?: MotoOptions;
}

export interface LocalServices {
  readonly kafka: LocalKafka;
  readonly aws: LocalAws;
  stop(): Promise<void>;
}

/** Starts both services; if either fails to start, the other is stopped before the error surfaces. */
export async function startLocalServices(options: LocalServicesOptions): Promise<LocalServices> {
  const [kafka, aws] = await Promise.allSettled([startKafka(options.kafka), startMoto(options.aws)]);
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
