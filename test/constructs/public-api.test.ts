/**
 * The package's public API is exactly what constructs/index.ts names, and complete: every type that appears
 * in a public signature of the compiled declarations (what users' editors and compilers see) is exported
 * too. Reads dist/ (npm test builds first).
 */
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { projectRoot } from '../../local/project-root';

const VALUES = [
  'BatchExporter',
  'ExportBucket',
  'ExportGuardRails',
  'ExporterImage',
  'GcsExportBucket',
  'GcsSink',
  'GcsSinkWriter',
  'NoPlaintextSecrets',
  'S3BatchExport',
  'S3Sink',
  'SecureExportBuckets',
  'SinkDeployValidation',
  'SinkWriter',
  'SinkWriterLeastPrivilege',
  'WriterMode',
  'sinkFromCredentialsFile',
];

const TYPES = [
  'AllowPolicyDocument',
  'AllowStatement',
  'DataLossPolicy',
  'LogLevel',
  'SaslMechanism',
  'BatchExporterProps',
  'BoundExporterImage',
  'DeployValidationOptions',
  'ExistingBucketAttributes',
  'ExportBucketProps',
  'ExporterNetworkProps',
  'ExporterOptions',
  'GcsExportBucketProps',
  'GcsSinkProps',
  'GcsSinkWriterProps',
  'IBatchExporter',
  'IExportBucket',
  'IGcsExportBucket',
  'IGcsSinkWriter',
  'ISink',
  'ISinkBucket',
  'ISinkWriter',
  'ImageProblem',
  'RuntimeImageOptions',
  'S3BatchExportProps',
  'S3SinkProps',
  'SinkCredentials',
  'SinkFromCredentialsFileProps',
  'SinkOptions',
  'SinkSecretProps',
  'SinkType',
  'SinkWriterProps',
  'StreamAuth',
  'StreamProps',
  'ValidationTarget',
  'WriterOptions',
];

const root = projectRoot();
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const typesEntry = path.join(root, manifest.exports['.'].types);

function declarations(): { exported: string[]; unexported: string[] } {
  const program = ts.createProgram([typesEntry], { strict: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(typesEntry) as ts.SourceFile);
  const aliased = (s: ts.Symbol) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
  const exports = checker.getExportsOfModule(moduleSymbol as ts.Symbol);
  const exportedSymbols = new Set(exports.map(aliased));
  const unexported = new Set<string>();
  const ownDeclaration = (s: ts.Symbol) =>
    (s.declarations ?? []).some((d) => {
      const file = d.getSourceFile().fileName;
      return file.startsWith(path.join(root, 'dist')) && !file.includes('node_modules');
    });
  const visitType = (node: ts.Node): void => {
    if (ts.isTypeReferenceNode(node) || ts.isExpressionWithTypeArguments(node)) {
      const name = ts.isTypeReferenceNode(node) ? node.typeName : node.expression;
      const symbol = checker.getSymbolAtLocation(name);
      if (symbol !== undefined) {
        const target = aliased(symbol);
        if (
          !(target.flags & ts.SymbolFlags.TypeParameter) &&
          ownDeclaration(target) &&
          !exportedSymbols.has(target)
        ) {
          unexported.add(target.name);
        }
      }
    }
    ts.forEachChild(node, visitType);
  };
  const isPrivate = (member: ts.Node) =>
    ts.canHaveModifiers(member) &&
    (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.PrivateKeyword);
  for (const symbol of exportedSymbols) {
    for (const declaration of symbol.declarations ?? []) {
      if (ts.isClassDeclaration(declaration) || ts.isInterfaceDeclaration(declaration)) {
        for (const clause of declaration.heritageClauses ?? []) visitType(clause);
        for (const member of declaration.members) if (!isPrivate(member)) visitType(member);
      } else if (ts.isTypeAliasDeclaration(declaration)) {
        visitType(declaration.type);
      }
    }
  }
  return { exported: exports.map((s) => s.name).sort(), unexported: [...unexported].sort() };
}

function declarationFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return declarationFiles(full);
    return entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

describe('the public API', () => {
  const { exported, unexported } = declarations();

  test('is exactly the intended constructs, aspects and their types', () => {
    expect(exported).toEqual([...VALUES, ...TYPES].sort());
  });

  test('exports at run time exactly the intended values, no helpers', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const runtimeExports = Object.keys(require(path.join(root, manifest.exports['.'].default))).sort();
    expect(runtimeExports).toEqual([...VALUES].sort());
    for (const helper of [
      'validateExporterProps',
      'allow',
      'policyDocument',
      'PropProblems',
      'secureDefaults',
    ])
      expect(runtimeExports).not.toContain(helper);
  });

  test('exports every type that appears in a public signature', () => {
    expect(unexported).toEqual([]);
  });

  test("documents the constructs without this project's internal words", () => {
    const offending = declarationFiles(path.join(root, 'dist', 'constructs')).flatMap((file) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => /\bseed('s)?\b/i.test(line))
        .map((line) => `${path.relative(root, file)}: ${line.trim()}`),
    );
    expect(offending).toEqual([]);
  });
});
