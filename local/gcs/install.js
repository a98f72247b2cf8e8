#!/usr/bin/env node
/*
 * Installs the pinned fake-gcs-server (local/gcs/fake-gcs-server.json) with `go install` from the Go module
 * proxy into .cache/fake-gcs-server-<version>/, unless it is there. Used by scripts/check-prerequisites.js
 * (so `npm test` installs it once, before any suite) and by the launcher (local/gcs/fake-gcs.ts) on first use.
 * Prints the binary's path.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { ensureGoBinary } = require('../go-binary.js');

const root = path.resolve(__dirname, '..', '..');
const pin = JSON.parse(fs.readFileSync(path.join(__dirname, 'fake-gcs-server.json'), 'utf8'));

function binaryPath() {
  return path.join(root, '.cache', `fake-gcs-server-${pin.version}`, 'fake-gcs-server');
}

function install() {
  return ensureGoBinary({
    binary: binaryPath(),
    command: (outDir) => ({
      args: ['install', `${pin.module}@${pin.version}`],
      env: { GOBIN: outDir, GOFLAGS: '-mod=mod' },
    }),
    what: `${pin.module}@${pin.version}`,
    fix: 'Install Go (https://go.dev/dl/ or apt-get install -y golang-go) and make the Go module proxy reachable.',
  });
}

module.exports = { install, binaryPath, pin };

if (require.main === module) process.stdout.write(`${install()}\n`);
