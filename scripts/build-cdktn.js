// Builds the CDK Terrain edition of the package, `cdktn-batch-exporter`, from the compiled cdktf package
// (run `npm run build` first): the same files, with the constructs' imports of `cdktf` and
// `@cdktf/provider-aws/lib/...` rewritten to `cdktn` and `@cdktn/provider-aws/lib/...` (cdktn keeps cdktf's API
// and import paths), and cdktn's peer dependencies. The runtime and the review import neither framework
// (lint enforces it), so they ship unchanged and the image built from either package is the same.
//   node scripts/build-cdktn.js [out dir]     (default: dist-cdktn), then `npm pack` in that folder
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');

/** What a cdktn app provides (cdktn 0.24 requires constructs >=10.6.0 <10.8.0). */
const CDKTN_PEERS = {
  '@cdktn/provider-aws': '^25.7.0',
  cdktn: '^0.24.0',
  constructs: '>=10.6.0 <10.8.0',
};

const REWRITES = [
  [/(["'])cdktf\1/g, '$1cdktn$1'],
  [/(["'])@cdktf\/provider-aws\//g, '$1@cdktn/provider-aws/'],
];
const LEFT_OVER = /(["'])(cdktf|@cdktf\/[^"']*)\1/;

/**
 * Modules left out of the cdktn package: they use the Google provider, which CDK Terrain does not publish
 * (the GCS constructs are cdktf-only until it does). Paths relative to dist/constructs, without extension.
 */
const CDKTF_ONLY = [
  'gcs/gcs-export-bucket',
  'gcs/gcs-sink-writer',
  'gcs/gcs-sink',
  'sink/from-credentials-file',
];

/** Drops the CDKTF_ONLY modules and their exports from the package index (index.js and index.d.ts). */
function dropCdktfOnly(out) {
  const constructs = path.join(out, 'dist', 'constructs');
  for (const module of CDKTF_ONLY) {
    for (const ext of ['.js', '.d.ts', '.js.map', '.d.ts.map'])
      fs.rmSync(path.join(constructs, module + ext), { force: true });
  }
  const js = path.join(constructs, 'index.js');
  const lines = fs.readFileSync(js, 'utf8').split('\n');
  const dropped = new Set();
  const names = [];
  const kept = lines.filter((line) => {
    const required = line.match(/^var (\w+) = require\("\.\/(.+)"\);$/);
    if (required && CDKTF_ONLY.includes(required[2])) {
      dropped.add(required[1]);
      return false;
    }
    const defined = line.match(/^Object\.defineProperty\(exports, "(\w+)", .* return (\w+)\./);
    if (defined && dropped.has(defined[2])) {
      names.push(defined[1]);
      return false;
    }
    return true;
  });
  const text = kept
    .join('\n')
    .replace(/exports\.(\w+) = /g, (all, name) => (names.includes(name) ? '' : all));
  fs.writeFileSync(js, text);
  const dts = path.join(constructs, 'index.d.ts');
  const declarations = fs
    .readFileSync(dts, 'utf8')
    .split('\n')
    .filter((line) => !CDKTF_ONLY.some((module) => line.includes(`from './${module}'`)));
  fs.writeFileSync(dts, declarations.join('\n'));
}

/** The paths (relative to `root`) a `files` entry names: itself, or the matches of a `*` in its last part. */
function expand(root, entry) {
  if (!entry.includes('*')) return fs.existsSync(path.join(root, entry)) ? [entry] : [];
  const dir = path.dirname(entry);
  if (!fs.existsSync(path.join(root, dir))) return [];
  const pattern = new RegExp(
    `^${path
      .basename(entry)
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  return fs
    .readdirSync(path.join(root, dir))
    .filter((name) => pattern.test(name))
    .map((name) => path.join(dir, name));
}

function filesUnder(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** Writes the cdktn package into `out` and returns its manifest. */
function buildCdktnPackage(out) {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const included = manifest.files.filter((entry) => !entry.startsWith('!'));
  const excluded = manifest.files.filter((entry) => entry.startsWith('!')).map((entry) => entry.slice(1));
  const missing = included.filter((entry) => expand(ROOT, entry).length === 0);
  if (missing.length > 0) {
    throw new Error(
      `cannot build the cdktn package: ${missing.join(', ')} missing; run \`npm run build\` first`,
    );
  }
  fs.rmSync(out, { recursive: true, force: true });
  for (const entry of [...included, 'README.md']) {
    for (const file of expand(ROOT, entry)) {
      fs.cpSync(path.join(ROOT, file), path.join(out, file), { recursive: true });
    }
  }
  for (const entry of excluded) {
    for (const file of expand(out, entry)) fs.rmSync(path.join(out, file), { recursive: true, force: true });
  }
  dropCdktfOnly(out);
  const leftOver = [];
  for (const file of filesUnder(out).filter((f) => /\.(js|d\.ts)$/.test(f))) {
    const text = fs.readFileSync(file, 'utf8');
    const rewritten = REWRITES.reduce((t, [pattern, replacement]) => t.replace(pattern, replacement), text);
    if (rewritten !== text) fs.writeFileSync(file, rewritten);
    if (LEFT_OVER.test(rewritten)) leftOver.push(path.relative(out, file));
  }
  if (leftOver.length > 0) {
    throw new Error(`cdktf imports left after the rewrite in ${leftOver.join(', ')}: extend REWRITES`);
  }
  const cdktn = {
    name: 'cdktn-batch-exporter',
    version: manifest.version,
    description: manifest.description.replace('CDKTF constructs', 'CDK Terrain (cdktn) constructs'),
    license: manifest.license,
    main: manifest.main,
    types: manifest.types,
    exports: manifest.exports,
    bin: manifest.bin,
    engines: manifest.engines,
    files: manifest.files,
    dependencies: manifest.dependencies,
    peerDependencies: CDKTN_PEERS,
  };
  fs.writeFileSync(path.join(out, 'package.json'), `${JSON.stringify(cdktn, null, 2)}\n`);
  return cdktn;
}

if (require.main === module) {
  const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist-cdktn'));
  buildCdktnPackage(out);
  process.stdout.write(
    `wrote the cdktn-batch-exporter package into ${path.relative(process.cwd(), out) || '.'}\n`,
  );
}

module.exports = { CDKTN_PEERS, buildCdktnPackage };
