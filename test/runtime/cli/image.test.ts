import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../local/project-root';
import { STOP_TIMEOUT_SECONDS } from '../../../constructs/exporter/batch-exporter';
import { IMAGE_DOCKERFILE, IMAGE_SOURCES } from '../../../constructs/exporter/bundled-image';
import { parseDockerfile } from '../../../local/docker/dockerfile';
import {
  ENTRYPOINT,
  HEALTHCHECK_COMMAND,
  IMAGE_ENVIRONMENT,
  IMAGE_WORKDIR,
  SHUTDOWN_TIMEOUT_SECONDS,
} from '../../../runtime/image';

describe('runtime/Dockerfile', () => {
  const root = projectRoot();
  const all = parseDockerfile(fs.readFileSync(path.join(root, IMAGE_DOCKERFILE), 'utf8'));
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

  test("installs production dependencies only, from the runtime's own lockfile, and runs as a non-root user", () => {
    expect(one('WORKDIR')).toBe(IMAGE_WORKDIR);
    const user = one('USER');
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const installs = finalStage.filter((i) => i.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(i.argument));
    expect(installs).toHaveLength(1);
    expect(installs[0].argument).toMatch(/^npm ci --omit=dev /);
    const copies = finalStage.filter((i) => i.keyword === 'COPY');
    expect(copies[0].argument).toBe('runtime/package.json runtime/npm-shrinkwrap.json ./');
    expect(finalStage.indexOf(copies[0])).toBeLessThan(finalStage.indexOf(installs[0]));
    const userIndex = finalStage.findIndex((i) => i.keyword === 'USER');
    expect(finalStage.findIndex((i) => i.keyword === 'ENTRYPOINT')).toBeGreaterThan(userIndex);
  });

  test('copies from the context exactly the image sources the tag hashes: the compiled runtime and its lockfile, no constructs or review', () => {
    const sources = all
      .filter((i) => i.keyword === 'COPY' && !i.argument.includes('--from'))
      .flatMap((i) => i.argument.split(/\s+/).slice(0, -1));
    expect([IMAGE_DOCKERFILE, ...sources].sort()).toEqual([...IMAGE_SOURCES].sort());
    for (const script of [ENTRYPOINT[1], HEALTHCHECK_COMMAND[1]])
      expect(script.startsWith('dist/runtime/')).toBe(true);
    expect(sources.join(' ')).not.toMatch(/constructs|review|package-lock|tsconfig/);
  });

  test('compiles the native Kafka client in a build stage and carries only librdkafka1 and the built addon into the final stage', () => {
    const froms = all.filter((i) => i.keyword === 'FROM').map((i) => i.argument.split(/\s+/));
    expect(froms).toHaveLength(2);
    const [, as, buildStage] = froms[0];
    expect(as).toBe('AS');
    const buildSteps = all.slice(0, lastFrom);
    const builds = buildSteps.filter((i) => i.keyword === 'RUN').map((i) => i.argument);
    expect(builds).toEqual([
      'apt-get update && apt-get install -y --no-install-recommends librdkafka-dev python3 make g++',
      'node scripts/build-native.js',
    ]);
    const finalRuns = finalStage.filter((i) => i.keyword === 'RUN').map((i) => i.argument);
    const apt = finalRuns.filter((command) => command.includes('apt-get'));
    expect(apt).toEqual([
      'apt-get update && apt-get install -y --no-install-recommends librdkafka1 && rm -rf /var/lib/apt/lists/*',
    ]);
    expect(finalRuns.join(' ')).not.toMatch(/-dev\b|\bg\+\+|\bmake\b|python|node-gyp|build-native/);
    const fromBuild = finalStage.filter((i) => i.keyword === 'COPY' && i.argument.startsWith('--from'));
    expect(fromBuild.map((i) => i.argument)).toEqual([
      `--from=${buildStage} /build/dist/runtime/kafka/native/rdkafka_native.node ./dist/runtime/kafka/native/`,
    ]);
  });

  test('copies every native source the addon is built from, the files the build script compiles', () => {
    const native = path.join(root, 'runtime', 'kafka', 'native');
    const onDisk = fs
      .readdirSync(native)
      .filter((name) => /\.(c|h|gyp)$/.test(name))
      .map((name) => `runtime/kafka/native/${name}`);
    const copied = all
      .filter((i) => i.keyword === 'COPY' && !i.argument.includes('--from'))
      .flatMap((i) => i.argument.split(/\s+/).slice(0, -1))
      .filter((source) => source.startsWith('runtime/kafka/native/'));
    expect(copied.sort()).toEqual(onDisk.sort());
    expect(IMAGE_SOURCES).toEqual(expect.arrayContaining([...onDisk, 'scripts/build-native.js']));
  });

  test('runs scripts the build made, and the CLI it starts has a shebang', () => {
    for (const script of [ENTRYPOINT[1], HEALTHCHECK_COMMAND[1]]) {
      expect(fs.existsSync(path.join(root, script))).toBe(true);
    }
    expect(fs.readFileSync(path.join(root, ENTRYPOINT[1]), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(
      true,
    );
  });

  test("gives up on a clean stop before the BatchExporter's ECS stopTimeout sends SIGKILL", () => {
    expect(SHUTDOWN_TIMEOUT_SECONDS).toBeLessThan(STOP_TIMEOUT_SECONDS);
  });
});
