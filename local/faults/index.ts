/**
 * The fault-matrix harness (issue 5): real exporter processes under faults, checked for exactly-once
 * storage. Scenarios live in test/faults/.
 */
export { ObjectCatalog } from './catalog';
export { ExporterFleet, ExporterProcess, ProcessExit, StartOptions, cliPath } from './fleet';
export { ReportedLoss, SKIPPED_LOSS_MESSAGE, recordsLostTotal, reportedLosses } from './losses';
export { ProgressMonitor } from './monitor';
export { EventProducer, ProducedIndex } from './producer';
export { formatTable, writeReport } from './report';
export { scheduleScenarios } from './schedule';
export {
  MatrixServices,
  MatrixTiming,
  ScenarioContext,
  ScenarioResult,
  ScenarioSpec,
  apacheKafka,
  mockKafka,
  onKafkaClient,
  runScenario,
  scenarioNames,
} from './scenario';
export {
  LostRange,
  StoredObject,
  checkExport,
  checkIntents,
  checkObjectLimits,
  contiguousEnds,
  intentBytes,
  namedPartitions,
  objectRanges,
} from './verify';
