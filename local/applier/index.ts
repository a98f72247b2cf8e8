/** The local applier: applies a synthesized plan to the local AWS and runs its exporter tasks as processes. */
export {
  ApplyPlan,
  ApplyStep,
  DestroyOptions,
  LocalApplier,
  LocalApplierOptions,
  LocalAwsEndpoint,
  StepAction,
} from './applier';
export { ExporterTask } from './exporter-tasks';
export { NO_OP_DATA_TYPES, NO_OP_TYPES } from './registry';
