import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildDockerfile, parseDockerfile } from '../../local/docker/dockerfile';

describe('the Dockerfile builder', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfile-'));
    fs.mkdirSync(path.join(dir, 'context', 'app', 'lib'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'context', 'app', 'lib', 'main.js'), 'console.log("hi")\n');
    fs.writeFileSync(path.join(dir, 'context', 'app', 'package.json'), '{}\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const build = (dockerfile: string) => {
    fs.writeFileSync(path.join(dir, 'context', 'Dockerfile'), dockerfile);
    return buildDockerfile({
      context: path.join(dir, 'context'),
      dockerfile: 'Dockerfile',
      into: path.join(dir, 'out'),
    });
  };

  test('joins continuation lines, drops comments and keeps each instruction with its line', () => {
    expect(parseDockerfile('# c\nFROM node AS a\n\nRUN echo one \\\n  two\n')).toEqual([
      { keyword: 'FROM', argument: 'node AS a', line: 2 },
      { keyword: 'RUN', argument: 'echo one two', line: 4 },
    ]);
  });

  test('copies from the context and an earlier stage, runs RUN in WORKDIR with ENV, and records how the image starts', () => {
    const image = build(
      [
        'FROM node:20 AS build',
        'WORKDIR /src',
        'COPY app/lib ./lib',
        'RUN echo built > lib/built.txt',
        'FROM node:20-slim',
        'ENV GREETING=hello OTHER="two words"',
        'WORKDIR /app',
        'COPY app/package.json ./',
        'COPY --from=build /src/lib ./dist',
        'RUN echo "$GREETING" > greeting.txt',
        'USER node',
        'EXPOSE 8080',
        'HEALTHCHECK --interval=15s CMD ["node", "dist/main.js"]',
        'ENTRYPOINT ["node", "dist/main.js", "run"]',
      ].join('\n'),
    );
    const app = path.join(image.root, image.workdir);
    expect(fs.readFileSync(path.join(app, 'dist', 'built.txt'), 'utf8')).toBe('built\n');
    expect(fs.existsSync(path.join(app, 'dist', 'main.js'))).toBe(true);
    expect(fs.existsSync(path.join(app, 'package.json'))).toBe(true);
    expect(fs.readFileSync(path.join(app, 'greeting.txt'), 'utf8')).toBe('hello\n');
    expect(image).toMatchObject({
      workdir: '/app',
      env: { GREETING: 'hello', OTHER: 'two words' },
      user: 'node',
      exposed: ['8080'],
      entrypoint: ['node', 'dist/main.js', 'run'],
      healthcheck: { options: { interval: '15s' }, command: ['node', 'dist/main.js'] },
      baseImages: ['node:20', 'node:20-slim'],
    });
  });

  test('fails a COPY of paths the context lacks, naming the line and every missing path', () => {
    expect(() =>
      build('FROM node:20\nWORKDIR /app\nCOPY app/package.json dist/runtime runtime/x.json ./\n'),
    ).toThrow(
      `Dockerfile line 3 (COPY app/package.json dist/runtime runtime/x.json ./): the build context ${path.join(
        dir,
        'context',
      )} has no dist/runtime, runtime/x.json`,
    );
  });

  test('fails a RUN that exits non-zero with its exit code and output', () => {
    expect(() => build('FROM node:20\nRUN echo broken >&2 && exit 3\n')).toThrow(
      'Dockerfile line 2 (RUN echo broken >&2 && exit 3): exited 3: broken',
    );
  });

  test("records apt-get's packages from this machine's own instead of changing its packages, and names the ones it lacks with the command", () => {
    const image = build(
      'FROM node:20\nRUN apt-get update && apt-get install -y --no-install-recommends dpkg && rm -rf /var/lib/apt/lists/*\n',
    );
    expect(image.packages).toEqual(['dpkg']);
    expect(() => build('FROM node:20\nRUN apt-get install -y no-such-package-x dpkg\n')).toThrow(
      'Dockerfile line 2 (RUN apt-get install -y no-such-package-x dpkg): installs Debian packages this machine ' +
        "lacks (no-such-package-x); this builder uses the machine's own packages: install them with " +
        '`apt-get install -y --no-install-recommends no-such-package-x`',
    );
    expect(() => build('FROM node:20\nRUN apt-get install -y dpkg && touch x\n')).toThrow(
      'Dockerfile line 2 (RUN apt-get install -y dpkg && touch x): mixes apt-get with other commands (touch x): ' +
        'give them their own RUN',
    );
  });

  test('fails an instruction it cannot carry out instead of skipping it', () => {
    expect(() => build('FROM node:20\nONBUILD RUN true\n')).toThrow(
      'Dockerfile line 2 (ONBUILD RUN true): is not supported by this builder',
    );
  });
});
