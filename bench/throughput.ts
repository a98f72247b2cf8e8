import { PreloadedTopic } from './preload';

/** A rate over one whole topic: how many records, how long, and what that makes per second. */
export interface Throughput {
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  /** Megabytes (10^6 bytes) of record values per second. */
  readonly megabytesPerSecond: number;
}

export function throughput(topic: PreloadedTopic, events: number, seconds: number): Throughput {
  const bytes = topic.valueBytes * (events / topic.events);
  return {
    events,
    seconds: round(seconds, 3),
    eventsPerSecond: Math.round(events / seconds),
    megabytesPerSecond: round(bytes / 1e6 / seconds, 2),
  };
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
