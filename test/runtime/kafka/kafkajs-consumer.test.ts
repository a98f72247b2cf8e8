import pino from 'pino';
import { KafkaJsConsumerFactory } from '../../../runtime/kafka/kafkajs-consumer';

describe('kafkajs group consumer (runtime/kafka/kafkajs-consumer.ts)', () => {
  test('a seek while not a member (kafkajs restarting its consumer after a crash) is skipped, not thrown', async () => {
    const factory = new KafkaJsConsumerFactory({
      kafka: { brokers: ['127.0.0.1:9'], clientId: 'seek-test', groupId: 'g', client: 'kafkajs', tls: false },
      topic: 'clicks',
      fromBeginning: true,
      logger: pino({ level: 'silent' }),
    });
    const consumer = factory.createGroupConsumer();
    // kafkajs itself throws here: "Consumer group was not initialized, consumer#run must be called first".
    expect(() => consumer.seek(0, '5')).not.toThrow();
    await consumer.stop();
  });
});
