#!/usr/bin/env node
/*
 * Checks what `npm test` and `npm run demo` need beyond npm packages: Java 17+ and Maven (the local Apache
 * Kafka broker, fetched from Maven Central), gcc and librdkafka's headers (the mock broker that one fault
 * scenario still needs), moto_server (local AWS), Go (to install the pinned fake-gcs-server, local GCS, and
 * to build the fast local S3 server of local/s3, each into .cache/ once) and the pinned checkov (in
 * .cache/checkov, unless $BATCH_EXPORTER_CHECKOV names one). Installs the Debian packages itself when it runs as root with apt-get
 * available (as CI does), and checkov into its virtualenv; otherwise prints one line per missing piece saying
 * how to get it.
 */
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');

const python = process.env.PYTHON || 'python3';
/** The checkov of `batch-exporter review` and test/review/checkov.test.ts (review/checkov.ts pins the same). */
const CHECKOV_VERSION = '3.3.30';
const CHECKOV = '.cache/checkov/bin/checkov';

function has(command, args) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/** Read from the virtualenv's package metadata: starting checkov to ask takes seconds. */
function hasPinnedCheckov() {
  const lib = '.cache/checkov/lib';
  if (!fs.existsSync(CHECKOV) || !fs.existsSync(lib)) return false;
  return fs
    .readdirSync(lib)
    .some((python) => fs.existsSync(`${lib}/${python}/site-packages/checkov-${CHECKOV_VERSION}.dist-info`));
}

/** The pinned checkov in its own virtualenv (its Python dependencies must not fight moto's). */
function installCheckov() {
  console.error(`prerequisites: installing checkov ${CHECKOV_VERSION} into .cache/checkov`);
  execFileSync(python, ['-m', 'venv', '.cache/checkov'], { stdio: 'inherit' });
  execFileSync('.cache/checkov/bin/pip', ['install', '--quiet', `checkov==${CHECKOV_VERSION}`], {
    stdio: 'inherit',
  });
}

function missing() {
  const problems = [];
  const java = process.env.JAVA_HOME ? `${process.env.JAVA_HOME}/bin/java` : 'java';
  if (!has(java, ['-version'])) problems.push({ what: 'Java 17 or newer', apt: 'openjdk-17-jre-headless' });
  if (!has('mvn', ['--version'])) problems.push({ what: 'Maven', apt: 'maven' });
  if (!has('gcc', ['--version'])) problems.push({ what: 'gcc', apt: 'gcc' });
  if (!fs.existsSync('/usr/include/librdkafka/rdkafka_mock.h')) {
    problems.push({ what: 'librdkafka headers (rdkafka_mock.h)', apt: 'librdkafka-dev' });
  }
  // Not Debian's golang-go (1.19): the pinned fake-gcs-server's go.mod needs Go 1.26.
  if (!has('go', ['version'])) {
    problems.push({
      what: 'Go 1.26 or newer (to go install fake-gcs-server and build local/s3)',
      manual: 'https://go.dev/dl/',
    });
  }
  if (!has(python, ['-c', 'import moto.server, flask'])) {
    problems.push({ what: 'moto_server (Python moto with its server extra)', pip: '"moto[server]"' });
  }
  const needsCheckov = !process.env.BATCH_EXPORTER_CHECKOV && !hasPinnedCheckov();
  if (needsCheckov && !has(python, ['-c', 'import ensurepip'])) {
    problems.push({ what: 'Python virtualenv support (for checkov)', apt: 'python3-venv' });
  }
  if (needsCheckov) {
    problems.push({ what: `checkov ${CHECKOV_VERSION} in ${CHECKOV}`, venv: true });
  }
  return problems;
}

let problems = missing();
const aptPackages = problems.filter((p) => p.apt).map((p) => p.apt);
const canInstall = process.getuid && process.getuid() === 0 && has('apt-get', ['--version']);
if (aptPackages.length > 0 && canInstall) {
  console.error(`prerequisites: installing ${aptPackages.join(' ')} with apt-get`);
  const listsAreEmpty =
    !fs.existsSync('/var/lib/apt/lists') || fs.readdirSync('/var/lib/apt/lists').length < 3;
  if (listsAreEmpty) execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  const install = () =>
    execFileSync('apt-get', ['install', '-y', '-qq', ...aptPackages], { stdio: 'inherit' });
  try {
    install();
  } catch {
    // Stale package lists are the usual cause; refresh once and retry.
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    install();
  }
  problems = missing();
}

if (problems.some((p) => p.venv)) {
  try {
    installCheckov();
  } catch (error) {
    console.error(`prerequisites: cannot install checkov: ${error.message}`);
  }
  problems = missing();
}

if (problems.length > 0) {
  for (const p of problems) {
    const how = p.apt
      ? `apt-get install -y ${p.apt}`
      : p.venv
        ? `python3 -m venv .cache/checkov && .cache/checkov/bin/pip install checkov==${CHECKOV_VERSION}`
        : p.pip
          ? `pip install ${p.pip}`
          : `the release from ${p.manual}`;
    console.error(`missing prerequisite: ${p.what}. Install it with: ${how}`);
  }
  process.exit(1);
}

// The local GCS server: `go install` of the pinned release into .cache/, once (the suites then just start it).
require('../local/gcs/install.js').install();
// The fast local S3 server (gofakes3 behind the project's Go main): `go build` into .cache/, once.
require('../local/s3/install.js').install();
