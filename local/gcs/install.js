#!/usr/bin/env node
/*
 * Installs the pinned fake-gcs-server (local/gcs/fake-gcs-server.json) with `go install` from the Go module
 * proxy into .cache/fake-gcs-server-<version>/, unless it is there. Used by scripts/check-prerequisites.js
 * (so `npm test` installs it once, before any suite) and by the launcher (local/gcs/fake-gcs.ts) on first use.
 * Prints the binary's path.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const pin = JSON.parse(fs.readFileSync(path.join(__dirname, 'fake-gcs-server.json'), 'utf8'));

function binaryPath() {
  return path.join(root, '.cache', `fake-gcs-server-${pin.version}`, 'fake-gcs-server');
}

function install() {
  const binary = binaryPath();
  if (fs.existsSync(binary)) return binary;
  const partial = `${path.dirname(binary)}.${process.pid}`;
  fs.mkdirSync(partial, { recursive: true });
  try {
    execFileSync('go', ['install', `${pin.module}@${pin.version}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, GOBIN: partial, GOFLAGS: '-mod=mod' },
      cwd: partial,
    });
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    const stderr = error.stderr ? error.stderr.toString().trim() : String(error);
    throw new Error(
      `cannot install ${pin.module}@${pin.version} with go install: ${stderr}\n` +
        'Install Go (https://go.dev/dl/ or apt-get install -y golang-go) and make the Go module proxy reachable.',
    );
  }
  try {
    fs.renameSync(partial, path.dirname(binary));
  } catch (error) {
    // Another process installed it at the same time: keep theirs.
    fs.rmSync(partial, { recursive: true, force: true });
    if (!fs.existsSync(binary)) throw error;
  }
  return binary;
}

module.exports = { install, binaryPath, pin };

if (require.main === module) process.stdout.write(`${install()}\n`);
