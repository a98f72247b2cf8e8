import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../local/project-root';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { importProblem } = require('../../scripts/import-directions.js') as {
  importProblem: (file: string, specifier: string, typeOnly: boolean) => string | undefined;
};

const at = (file: string) => path.join(projectRoot(), file);

describe('the import-directions lint rule', () => {
  test('fails lint on a runtime file importing the constructs, naming the target and what is allowed', () => {
    // `npm run lint`'s own eslint and config, on a runtime file's path with one bad import.
    const lint = spawnSync(
      path.join(projectRoot(), 'node_modules', '.bin', 'eslint'),
      ['--format', 'json', '--stdin', '--stdin-filename', 'runtime/cli/io.ts'],
      {
        cwd: projectRoot(),
        encoding: 'utf8',
        input:
          "import { ExportBucket } from '../../constructs/bucket/export-bucket';\nexport const b = ExportBucket;\n",
      },
    );
    expect(lint.status).toBe(1);
    const [result] = JSON.parse(lint.stdout) as { messages: { ruleId: string; message: string }[] }[];
    const messages = result.messages.filter((m) => m.ruleId === 'project/import-directions');
    expect(messages.map((m) => m.message)).toEqual([
      'runtime/ must not import constructs/bucket/export-bucket ("../../constructs/bucket/export-bucket"): ' +
        'it may import nothing outside it (ARCHITECTURE.md, import directions)',
    ]);
  });

  test('lets the runtime import itself, node built-ins and the packages of runtime/package.json', () => {
    expect(importProblem(at('runtime/cli/io.ts'), '../config/load', false)).toBeUndefined();
    expect(importProblem(at('runtime/cli/io.ts'), 'node:fs', false)).toBeUndefined();
    expect(
      importProblem(at('runtime/kafka/x.ts'), 'kafkajs/src/consumer/offsetManager', false),
    ).toBeUndefined();
    expect(importProblem(at('runtime/config/x.ts'), '@aws-sdk/types', true)).toBeUndefined();
  });

  test('fails a runtime import of a package that runtime/package.json does not list, saying how to fix it', () => {
    expect(importProblem(at('runtime/cli/program.ts'), 'cdktf', false)).toBe(
      'runtime/ imports the package cdktf, which runtime/package.json does not list: add it there ' +
        '(and run `npm run runtime-lockfile`), or do not use it in the runtime',
    );
    expect(importProblem(at('runtime/healthcheck.ts'), '@hpcc-js/wasm-graphviz', false)).toContain(
      'the package @hpcc-js/wasm-graphviz',
    );
  });

  test('lets the constructs use the shared contract, the plan reader and the guards, and nothing else of the runtime', () => {
    const file = at('constructs/exporter/batch-exporter.ts');
    expect(importProblem(file, '../../runtime/config/environment', false)).toBeUndefined();
    expect(importProblem(file, '../../runtime/image', false)).toBeUndefined();
    expect(importProblem(file, '../../runtime/exporter/object-namer', false)).toBeUndefined();
    expect(importProblem(file, '../../review/plan/graph', false)).toBeUndefined();
    expect(importProblem(file, '../../runtime/exporter/exporter', false)).toContain(
      'constructs/ must not import runtime/exporter/exporter',
    );
    expect(importProblem(file, '../../review/cli', false)).toContain(
      'constructs/ must not import review/cli',
    );
  });

  test('keeps the review free of the constructs and of cdktf or cdktn, and the plan reader free of the guards', () => {
    expect(importProblem(at('review/report.ts'), '../constructs/aspects', false)).toContain(
      'review/ must not import constructs/aspects',
    );
    expect(importProblem(at('review/report.ts'), 'cdktf', false)).toBe(
      'review/ must not import the package cdktf: it reads synthesized Terraform JSON of cdktf and cdktn apps alike',
    );
    expect(importProblem(at('review/plan/graph.ts'), '../guards/finding', false)).toContain(
      'review/plan/ must not import review/guards/finding',
    );
    expect(importProblem(at('review/main.ts'), '../runtime/cli/program', false)).toBeUndefined();
  });

  test('leaves tests and local tooling unrestricted', () => {
    expect(importProblem(at('test/runtime/x.test.ts'), '../../constructs', false)).toBeUndefined();
    expect(importProblem(at('local/demo/run.ts'), 'cdktf', false)).toBeUndefined();
  });
});
