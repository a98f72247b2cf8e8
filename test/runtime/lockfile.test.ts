import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../local/project-root';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { OUTPUT, expectedLockfileText } = require('../../scripts/runtime-lockfile.js') as {
  OUTPUT: string;
  expectedLockfileText: () => string;
};

const read = (file: string) => JSON.parse(fs.readFileSync(path.join(projectRoot(), file), 'utf8'));

describe("the runtime's own manifest and lockfile (what the image installs)", () => {
  test('runtime/npm-shrinkwrap.json is what the root package-lock.json gives for runtime/package.json', () => {
    const checkedIn = fs.readFileSync(path.join(projectRoot(), OUTPUT), 'utf8');
    // On failure: run `npm run runtime-lockfile` and commit the result.
    expect(checkedIn === expectedLockfileText()).toBe(true);
  });

  test("lists each runtime dependency with the root manifest's range, as a production dependency of the package", () => {
    const runtime = read('runtime/package.json');
    const root = read('package.json');
    for (const [name, range] of Object.entries(runtime.dependencies as Record<string, string>)) {
      expect({ name, range: root.dependencies[name] }).toEqual({ name, range });
    }
  });

  test('holds no construct, provider, cdktf or graphviz package', () => {
    const locations = Object.keys(read(OUTPUT).packages);
    expect(
      locations.filter((l) => /node_modules\/(cdktf|cdktn|constructs|@cdktf|@cdktn|@hpcc-js)/.test(l)),
    ).toEqual([]);
  });
});
