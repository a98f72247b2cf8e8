#!/usr/bin/env node
/**
 * The npm package's `batch-exporter` executable (package.json bin), for platform repos and CI: the runtime's
 * command line (run, validate, policy; runtime/cli) plus `review` over a synthesized plan. The image ships
 * only the runtime's own command line (runtime/cli/main.ts), without the review and its dependencies.
 */
import { runAsProcess } from '../runtime/cli/process';
import { main } from '../runtime/cli/program';
import { reviewCommand } from './command';

runAsProcess((argv) => main(argv, undefined, [reviewCommand]));
