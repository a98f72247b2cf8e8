import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../local/project-root';
import { STOP_TIMEOUT_SECONDS } from '../../../constructs/exporter/batch-exporter';
import {
  ENTRYPOINT,
  HEALTHCHECK_COMMAND,
  IMAGE_ENVIRONMENT,
  IMAGE_WORKDIR,
  SHUTDOWN_TIMEOUT_SECONDS,
} from '../../../runtime/image';

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
