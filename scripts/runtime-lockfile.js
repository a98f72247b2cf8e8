// Generates runtime/npm-shrinkwrap.json, the lockfile the image installs the runtime's dependencies from:
// exactly the packages runtime/package.json's dependencies reach in the root package-lock.json, at the same
// versions, paths and integrity hashes, so the image runs what the tests ran. `npm run runtime-lockfile`
// writes it; a test fails when the checked-in file differs from what this generates.
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const OUTPUT = path.join('runtime', 'npm-shrinkwrap.json');

/** The package a `from` location resolves `name` to, the way Node and npm do: nearest node_modules upwards. */
function resolveLocation(packages, from, name) {
  for (let dir = from; ;) {
    const candidate = `${dir === '' ? '' : `${dir}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (dir === '') return undefined;
    const parent = dir.lastIndexOf('/node_modules/');
    dir = parent === -1 ? '' : dir.slice(0, parent);
  }
}

function requiredNames(entry) {
  const optionalPeers = entry.peerDependenciesMeta ?? {};
  return [
    ...Object.keys(entry.dependencies ?? {}).map((name) => ({ name, optional: false })),
    ...Object.keys(entry.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
    ...Object.keys(entry.peerDependencies ?? {}).map((name) => ({
      name,
      optional: optionalPeers[name]?.optional === true,
    })),
  ];
}

/** The runtime's shrinkwrap, from the root lockfile and runtime/package.json (both as parsed JSON). */
function runtimeLockfile(rootLock, runtimeManifest) {
  const packages = rootLock.packages;
  const reached = new Set();
  const missing = [];
  const visit = (from, entry) => {
    for (const { name, optional } of requiredNames(entry)) {
      const location = resolveLocation(packages, from, name);
      if (location === undefined) {
        if (!optional) missing.push(`${name} (needed by ${from || 'runtime/package.json'})`);
        continue;
      }
      if (reached.has(location)) continue;
      reached.add(location);
      visit(location, packages[location]);
    }
  };
  visit('', { dependencies: runtimeManifest.dependencies });
  if (missing.length > 0) {
    throw new Error(
      `package-lock.json lacks ${missing.join(', ')}: run \`npm install\` at the root, then \`npm run runtime-lockfile\``,
    );
  }
  const entries = [...reached].sort().map((location) => {
    // Flags about the root's dev tree; in the runtime everything reached is a production dependency.
    const entry = { ...packages[location] };
    for (const flag of ['dev', 'devOptional', 'peer']) delete entry[flag];
    return [location, entry];
  });
  const { name, version, license, engines, dependencies } = runtimeManifest;
  return {
    name,
    version,
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name, version, license, dependencies, engines },
      ...Object.fromEntries(entries),
    },
  };
}

/** The shrinkwrap as it should be for the current root lockfile, as the text written to runtime/. */
function expectedLockfileText(root = ROOT) {
  const read = (file) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));
  return `${JSON.stringify(runtimeLockfile(read('package-lock.json'), read('runtime/package.json')), null, 2)}\n`;
}

if (require.main === module) {
  fs.writeFileSync(path.join(ROOT, OUTPUT), expectedLockfileText());
  process.stdout.write(`wrote ${OUTPUT}\n`);
}

module.exports = { OUTPUT, expectedLockfileText, runtimeLockfile };
