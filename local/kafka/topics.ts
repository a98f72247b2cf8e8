/** A topic a local Kafka creates before its launcher resolves. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** @default - min(brokers, 3) on Apache Kafka; the mock keeps one replica per broker it spreads over */
  readonly replicationFactor?: number;
  /** Topic configuration, e.g. `{ 'cleanup.policy': 'compact' }` (Apache Kafka only). @default - none */
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * Topic settings under which Apache Kafka deletes a partition's oldest 1 MiB segments once it holds more
 * than 1 MiB (about 2,300 clickstream events of ~460 B), given `FAST_RETENTION_BROKER_CONFIG`.
 */
export const SHORT_RETENTION = { 'retention.bytes': '1048576', 'segment.bytes': '1048576' } as const;

/** Broker settings that make retention run every half second from the start (Kafka's default: 5 min). */
export const FAST_RETENTION_BROKER_CONFIG = {
  'log.retention.check.interval.ms': '500',
  'log.initial.task.delay.ms': '0',
} as const;
