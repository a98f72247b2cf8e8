import fs from 'node:fs';
import path from 'node:path';
import {
  ScenarioResult,
  ScenarioSpec,
  cliPath,
  formatTable,
  onKafkaClient,
  runScenario,
  scenarioNames,
  scheduleScenarios,
  writeReport,
} from '../../local/faults';
import { RunningMatrix, startMatrixServices } from '../../local/faults/services';
import { projectRoot } from '../../local/project-root';
import type { KafkaClient } from '../../runtime/config/types';
import { KAFKA_CLIENTS } from '../runtime/support/exporter-harness';
import { NATIVE_SCENARIOS, SCENARIOS } from './scenarios';

/** Scenarios running at once; they share the broker and moto. FAULTS_CONCURRENCY=1 runs them one by one. */
const CONCURRENCY = Number(process.env.FAULTS_CONCURRENCY ?? 2);
/** While working on one fault: FAULTS_ONLY=02,07 runs only those scenarios (CI runs all). */
const ONLY = process.env.FAULTS_ONLY?.split(',').map((id) => id.trim());
/**
 * FAULTS_KAFKA_CLIENT=kafkajs or native runs every selected scenario on that client only; unset (npm test):
 * every scenario on kafkajs and NATIVE_SCENARIOS on the native client too.
 */
const CLIENT = process.env.FAULTS_KAFKA_CLIENT;
if (CLIENT !== undefined && !(KAFKA_CLIENTS as readonly string[]).includes(CLIENT)) {
  throw new Error(
    `FAULTS_KAFKA_CLIENT=${CLIENT} is not a Kafka client: use ${KAFKA_CLIENTS.join(' or ')}, or unset it ` +
      'to run every scenario on kafkajs and the native subset on native',
  );
}
const SELECTED = SCENARIOS.filter((s) => ONLY === undefined || ONLY.includes(s.id)).flatMap((spec) =>
  CLIENT !== undefined
    ? [onKafkaClient(spec, CLIENT as KafkaClient)]
    : [spec, ...(NATIVE_SCENARIOS.includes(spec.id) ? [onKafkaClient(spec, 'native')] : [])],
);

describe('fault matrix: exactly once under crashes, rebalances and faults (issue 5)', () => {
  let matrix: RunningMatrix;
  let scheduled: Map<string, Promise<ScenarioResult>>;
  const results: ScenarioResult[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(cliPath())) {
      throw new Error(`${cliPath()} does not exist: build first with \`npx tsc -p .\` (npm test does)`);
    }
    const topic = (s: ScenarioSpec) => ({
      name: scenarioNames(s.id).topic,
      partitions: s.partitions ?? 3,
      config: s.topicConfig,
    });
    matrix = await startMatrixServices(SELECTED.filter((s) => s.broker !== 'mock').map(topic), {
      gcs: SELECTED.some((s) => s.sink === 'gcs'),
      mockTopics: SELECTED.filter((s) => s.broker === 'mock').map(topic),
    });
    scheduled = scheduleScenarios(
      SELECTED,
      (spec) => runScenario(spec, spec.broker === 'mock' ? matrix.onMock! : matrix),
      CONCURRENCY,
    );
  }, 120_000);

  afterAll(async () => {
    if (results.length > 0) {
      const sorted = [...results].sort((a, b) => a.id.localeCompare(b.id));
      const knobs =
        matrix.missingKnobs.length > 0
          ? `\nruntime knobs missing (runtime defaults used): ${matrix.missingKnobs.join(', ')}`
          : '';
      process.stdout.write(
        `\nfault matrix (exporter logs: ${matrix.logDir})${knobs}\n${formatTable(sorted)}\n`,
      );
      writeReport(path.join(projectRoot(), 'faults-report.json'), sorted);
    }
    await matrix?.stop();
  }, 60_000);

  for (const spec of SELECTED) {
    test(`${spec.id} ${spec.title}: every event stored exactly once`, async () => {
      const result = await scheduled.get(spec.id)!;
      results.push(result);
      expect({
        missing: result.missing,
        duplicated: result.duplicated,
        lostToRetention: spec.expectsLoss ? result.lost > 0 : result.lost,
        failures: result.failures,
      }).toEqual({
        missing: 0,
        duplicated: 0,
        // Only the retention scenarios may lose events (those the exporter reported and skipped).
        lostToRetention: spec.expectsLoss ? true : 0,
        failures: [],
      });
      expect(result.events).toBeGreaterThan(0);
      // The exporter processes ran on the image's Node line, the node jest runs on, and on the scenario's client.
      expect(result.nodeVersions).toEqual([process.version]);
      expect(result.kafkaClients).toEqual([spec.kafkaClient ?? 'kafkajs']);
    }, 1_500_000);
  }
});
