/** A topic a local Kafka creates before its launcher resolves. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** @default - min(brokers, 3) on Apache Kafka; the mock keeps one replica per broker it spreads over */
  readonly replicationFactor?: number;
  /** Topic configuration, e.g. `{ 'cleanup.policy': 'compact' }` (Apache Kafka only). @default - none */
  readonly config?: Readonly<Record<string, string>>;
}
