#!/usr/bin/env node
/**
 * The `batch-exporter` executable (the image's entrypoint with `run`, see runtime/image.ts;
 * the npm package's bin is review/main.ts, which adds `review`). Everything is in program.ts.
 */
import { runAsProcess } from './process';
import { main } from './program';

runAsProcess((argv) => main(argv));
