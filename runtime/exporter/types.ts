import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ConsumerFactory } from '../kafka/consumer';
import type { ObjectStore } from '../storage/object-store';

/** Wall-clock time, injectable so batching and naming can be tested without waiting. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds, or early (without error) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Collaborators of the exporter; everything but the logger has a production default. */
export interface ExporterDeps {
  readonly logger: Logger;
  /**
   * Where the exporter's Prometheus metrics are registered.
   * @default - a new Registry private to this exporter
   */
  readonly registry?: Registry;
  /** @default - the system clock */
  readonly clock?: Clock;
  /** @default - an S3 store built from `config.sink` */
  readonly store?: ObjectStore;
  /** @default - kafkajs consumers built from `config.kafka` */
  readonly consumerFactory?: ConsumerFactory;
}

/** A started exporter. */
export interface RunningExporter {
  /**
   * Resolves once the validation object is written and the consumer has joined its group (what
   * `/healthz` reports); rejects with the start-up error (e.g. a missing permission).
   */
  readonly ready: Promise<void>;
  /** Resolves after a clean `stop()`; rejects with the fatal error that stopped the exporter. */
  readonly stopped: Promise<void>;
  /**
   * Flushes the current batch, commits its offsets and leaves the group, within a bounded time.
   * Safe to call more than once and after a fatal error.
   */
  stop(): Promise<void>;
}
