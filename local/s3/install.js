#!/usr/bin/env node
/*
 * Builds the project's fast local S3 server (local/s3/gofakes3: a small Go main over gofakes3's in-memory
 * backend, pinned by its go.mod and go.sum) with `go build` into .cache/s3-server-<hash of the sources>/,
 * unless it is there; the modules come from the Go module proxy. Used by scripts/check-prerequisites.js (so
 * `npm test` builds it once, before any suite) and by the launcher (local/s3/gofakes3.ts) on first use.
 * Prints the binary's path.
 */
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { ensureGoBinary } = require('../go-binary.js');

const root = path.resolve(__dirname, '..', '..');
const source = path.join(__dirname, 'gofakes3');

/** go.mod, go.sum and the Go files: a change to any of them builds a new binary. */
function sourceHash() {
  const hash = crypto.createHash('sha256');
  for (const name of fs.readdirSync(source).sort()) {
    if (!/^(go\.mod|go\.sum|[^/]+\.go)$/.test(name)) continue;
    hash
      .update(name)
      .update('\0')
      .update(fs.readFileSync(path.join(source, name)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 12);
}

function binaryPath() {
  return path.join(root, '.cache', `s3-server-${sourceHash()}`, 's3-server');
}

function install() {
  return ensureGoBinary({
    binary: binaryPath(),
    command: (outDir) => ({
      args: ['build', '-trimpath', '-o', path.join(outDir, 's3-server'), '.'],
      // No VCS stamp: the binary must not depend on the checkout's git state.
      env: { GOFLAGS: '-mod=readonly -buildvcs=false' },
      cwd: source,
    }),
    what: 'the local S3 server (local/s3/gofakes3)',
    fix: 'Install Go 1.26 or newer (https://go.dev/dl/) and make the Go module proxy reachable.',
  });
}

module.exports = { install, binaryPath };

if (require.main === module) process.stdout.write(`${install()}\n`);
