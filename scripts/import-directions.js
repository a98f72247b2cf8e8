// The allowed import directions between the project's folders (listed in ARCHITECTURE.md), as an ESLint rule:
// `lint` fails on any import, export-from, require() or import() that goes another way, and on a package the
// runtime's own manifest (runtime/package.json, what the image installs) does not list.
const fs = require('node:fs');
const path = require('node:path');
const { builtinModules } = require('node:module');

const ROOT = path.join(__dirname, '..');

/**
 * What each folder may import besides itself (the longest matching folder decides). Folders not listed
 * (local, bench, test, scripts) may import anything. The runtime's shared contract with the constructs and the
 * review is its configuration (runtime/config: variable names, schema, rules, the least-privilege policy,
 * the s3.json validator, renderEnvironment), the image's definition (runtime/image.ts) and the object key
 * limits (runtime/exporter/object-namer.ts).
 */
const DIRECTIONS = {
  runtime: [],
  'review/plan': ['runtime/config'],
  'review/guards': ['review/plan', 'runtime/config'],
  review: ['review/plan', 'review/guards', 'runtime/config', 'runtime/cli'],
  constructs: [
    'review/plan',
    'review/guards',
    'runtime/config',
    'runtime/image.ts',
    'runtime/exporter/object-namer.ts',
  ],
  examples: ['constructs', 'runtime/config'],
};

/** Packages a folder must not use: the review reads Terraform JSON of cdktf and cdktn apps alike. */
const FORBIDDEN_PACKAGES = {
  review: /^(cdktf|cdktn|constructs|@cdktf\/.*|@cdktn\/.*)$/,
};

/** Folders whose packages must be in a manifest of their own (the image installs only that). */
const OWN_MANIFEST = { runtime: 'runtime/package.json' };

const TS_EXTENSIONS = ['.ts', '.d.ts', '.js', '.json'];

function folderOf(relativeFile, folders) {
  return folders
    .filter((folder) => relativeFile === folder || relativeFile.startsWith(`${folder}/`))
    .sort((a, b) => b.length - a.length)[0];
}

function withinAny(relativeTarget, allowed) {
  return allowed.some((entry) => {
    if (entry.endsWith('.ts')) {
      const stem = entry.slice(0, -'.ts'.length);
      return relativeTarget === stem || TS_EXTENSIONS.some((ext) => relativeTarget === stem + ext);
    }
    return relativeTarget === entry || relativeTarget.startsWith(`${entry}/`);
  });
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const manifests = new Map();
function manifestDependencies(relativeManifest) {
  if (!manifests.has(relativeManifest)) {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, relativeManifest), 'utf8'));
    manifests.set(relativeManifest, new Set(Object.keys(manifest.dependencies ?? {})));
  }
  return manifests.get(relativeManifest);
}

/** The problem with `specifier` imported from `file` (absolute), or undefined when the direction is allowed. */
function importProblem(file, specifier, typeOnly) {
  const relativeFile = path.relative(ROOT, file).split(path.sep).join('/');
  const from = folderOf(relativeFile, Object.keys(DIRECTIONS));
  if (from === undefined) return undefined;
  if (specifier.startsWith('.')) {
    const target = path
      .relative(ROOT, path.resolve(path.dirname(file), specifier))
      .split(path.sep)
      .join('/');
    const sameFolder = folderOf(target, Object.keys(DIRECTIONS)) === from;
    if (sameFolder || withinAny(target, DIRECTIONS[from])) return undefined;
    const allowed = DIRECTIONS[from].length === 0 ? 'nothing outside it' : DIRECTIONS[from].join(', ');
    return `${from}/ must not import ${target} ("${specifier}"): it may import ${allowed} (ARCHITECTURE.md, import directions)`;
  }
  if (specifier.startsWith('node:') || builtinModules.includes(specifier)) return undefined;
  const name = packageName(specifier);
  const forbidden = Object.entries(FORBIDDEN_PACKAGES).find(
    ([folder, pattern]) => (from === folder || from.startsWith(`${folder}/`)) && pattern.test(name),
  );
  if (forbidden !== undefined) {
    return `${from}/ must not import the package ${name}: it reads synthesized Terraform JSON of cdktf and cdktn apps alike`;
  }
  const manifestFolder = Object.keys(OWN_MANIFEST).find(
    (folder) => from === folder || from.startsWith(`${folder}/`),
  );
  if (manifestFolder !== undefined && !typeOnly) {
    const manifest = OWN_MANIFEST[manifestFolder];
    if (!manifestDependencies(manifest).has(name)) {
      return `${from}/ imports the package ${name}, which ${manifest} does not list: add it there (and run \`npm run runtime-lockfile\`), or do not use it in the runtime`;
    }
  }
  return undefined;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'allowed import directions between the project folders (ARCHITECTURE.md)' },
    schema: [],
  },
  create(context) {
    const file = context.filename;
    const check = (node, source, typeOnly = false) => {
      if (!source || typeof source.value !== 'string') return;
      const problem = importProblem(file, source.value, typeOnly);
      if (problem !== undefined) context.report({ node, message: problem });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source, node.importKind === 'type'),
      ExportNamedDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
      ImportExpression: (node) => check(node, node.source),
      TSImportType: (node) => check(node, node.argument && node.argument.literal, true),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require')
          check(node, node.arguments[0]);
      },
    };
  },
};

module.exports = { DIRECTIONS, importProblem, plugin: { rules: { 'import-directions': rule } } };
