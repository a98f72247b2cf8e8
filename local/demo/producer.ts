/** Produces seed-shaped clickstream events at a steady rate, reporting progress as it goes. */
import { Kafka, logLevel } from 'kafkajs';
import { clickstreamEvent } from '../clickstream';

export interface ProduceOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly eventsPerSecond: number;
  readonly durationSeconds: number;
  /** Makes event ids unique to this run. */
  readonly runId: string;
  readonly onProgress?: (sent: number, total: number) => void;
}

/** What was produced: every event id, to check the export against. */
export interface Produced {
  readonly eventIds: ReadonlySet<string>;
  readonly seconds: number;
}

const TICK_MS = 100;

export async function produceClickstream(options: ProduceOptions): Promise<Produced> {
  const kafka = new Kafka({
    clientId: 'demo-producer',
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer();
  await producer.connect();
  const total = options.eventsPerSecond * options.durationSeconds;
  const eventIds = new Set<string>();
  const started = Date.now();
  try {
    let sent = 0;
    let tick = 0;
    while (sent < total) {
      tick++;
      // Send what the rate allows by the end of this tick, then wait for the tick's end.
      const due = Math.min(total, Math.round((tick * TICK_MS * options.eventsPerSecond) / 1000));
      const events = [];
      for (; sent < due; sent++) events.push(clickstreamEvent(sent, options.runId));
      if (events.length > 0) {
        await producer.send({
          topic: options.topic,
          acks: -1,
          messages: events.map((e) => ({ key: e.eventId, value: JSON.stringify(e) })),
        });
        for (const e of events) eventIds.add(e.eventId);
      }
      options.onProgress?.(sent, total);
      const wait = started + tick * TICK_MS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  } finally {
    await producer.disconnect();
  }
  return { eventIds, seconds: (Date.now() - started) / 1000 };
}
