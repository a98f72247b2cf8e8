/*
 * The one way local services' Go binaries land in .cache/: built into a directory of their own next to the
 * final one, then renamed into place, so a half-built binary is never used and two processes building at the
 * same time keep one result. Used by local/s3/install.js and local/gcs/install.js.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/**
 * Returns `binary`, building it first unless it exists. `command(outDir)` gives the go command: `args`,
 * `env` added to the environment, `cwd` (default: `outDir`). `outDir` is where the
 * build must put the binary (named like `binary`). `what` names it in the error, `fix` says how to get Go.
 */
function ensureGoBinary({ binary, command, what, fix }) {
  if (fs.existsSync(binary)) return binary;
  const partial = `${path.dirname(binary)}.${process.pid}`;
  fs.mkdirSync(partial, { recursive: true });
  const { args, env, cwd } = command(partial);
  try {
    execFileSync('go', args, {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
      cwd: cwd ?? partial,
    });
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    const stderr = error.stderr ? error.stderr.toString().trim() : String(error);
    throw new Error(`cannot build ${what} with go ${args[0]}: ${stderr}\n${fix}`);
  }
  try {
    fs.renameSync(partial, path.dirname(binary));
  } catch (error) {
    // Another process built it at the same time: keep theirs.
    fs.rmSync(partial, { recursive: true, force: true });
    if (!fs.existsSync(binary)) throw error;
  }
  return binary;
}

module.exports = { ensureGoBinary };
