/**
 * The fault-matrix harness (issue 5): real exporter processes under faults, checked for exactly-once
 * storage. Scenarios live in test/faults/.
 */
export { ObjectCatalog } from './catalog';
export { ExporterFleet, ExporterProcess, ProcessExit, cliPath } from './fleet';
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
  runScenario,
  scenarioNames,
} from './scenario';
export { checkExport, checkIntents, contiguousEnds, namedPartitions, objectRanges } from './verify';
