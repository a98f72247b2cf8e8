import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// local/go-binary.js is the plain-JS helper behind local/s3/install.js and local/gcs/install.js.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureGoBinary } = require('../../local/go-binary.js') as {
  ensureGoBinary(options: {
    binary: string;
    command: (outDir: string) => { args: string[]; env?: Record<string, string>; cwd?: string };
    what: string;
    fix: string;
  }): string;
};

describe('building a local service binary with Go (local/go-binary.js)', () => {
  let work: string;
  let source: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'go-binary-'));
    source = path.join(work, 'src');
    fs.mkdirSync(source);
    fs.writeFileSync(path.join(source, 'go.mod'), 'module example.com/hello\n\ngo 1.21\n');
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  function build(name: string) {
    const binary = path.join(work, 'cache', name, 'hello');
    return {
      binary,
      run: () =>
        ensureGoBinary({
          binary,
          command: (outDir) => ({
            args: ['build', '-o', path.join(outDir, 'hello'), '.'],
            env: { GOFLAGS: '-mod=mod', GOTOOLCHAIN: 'local' },
            cwd: source,
          }),
          what: 'the hello server',
          fix: 'Install Go.',
        }),
    };
  }

  test('builds into its final directory only once the build succeeded, and reuses it', () => {
    fs.writeFileSync(path.join(source, 'main.go'), 'package main\n\nfunc main() {}\n');
    const { binary, run } = build('ok');
    expect(run()).toBe(binary);
    expect(fs.statSync(binary).isFile()).toBe(true);
    const built = fs.statSync(binary).mtimeMs;
    expect(run()).toBe(binary);
    expect(fs.statSync(binary).mtimeMs).toBe(built);
    // No partial build directory is left behind.
    expect(fs.readdirSync(path.dirname(path.dirname(binary)))).toEqual(['ok']);
  }, 120_000);

  test("a failing build names what was built, shows go's error and how to fix it, and leaves nothing", () => {
    fs.writeFileSync(path.join(source, 'main.go'), 'package main\n\nfunc main() { undefinedThing() }\n');
    const { binary, run } = build('broken');
    expect(run).toThrow(
      /cannot build the hello server with go build: [\s\S]*undefined: undefinedThing[\s\S]*\nInstall Go\./,
    );
    expect(fs.existsSync(path.dirname(binary))).toBe(false);
    expect(fs.readdirSync(path.join(work, 'cache'))).not.toContain(expect.stringMatching(/^broken/));
  }, 120_000);
});
