/**
 * The pinned checkov for the tests: $BATCH_EXPORTER_CHECKOV or the project-local virtualenv that `.ci/run`
 * creates. Not PATH: the tests measure exactly the pinned version.
 */
import {
  CHECKOV_ENV,
  CHECKOV_INSTALL,
  CHECKOV_VERSION,
  CheckovLocation,
  locateCheckov,
} from '../../review/checkov';
import { projectRoot } from '../../local/project-root';

export function pinnedCheckov(): CheckovLocation {
  const location = locateCheckov(undefined, { [CHECKOV_ENV]: process.env[CHECKOV_ENV] }, projectRoot());
  if (location === undefined) {
    throw new Error(
      `checkov ${CHECKOV_VERSION} is not installed. Install it with \`${CHECKOV_INSTALL}\` in the repository root (.ci/run does), or set ${CHECKOV_ENV}.`,
    );
  }
  return location;
}
