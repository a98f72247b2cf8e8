import fs from 'node:fs';
import path from 'node:path';

/** The repository root, found from both compiled (dist/…) and source (ts-jest) locations. */
export function projectRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (
      fs.existsSync(manifest) &&
      JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'cdktf-batch-exporter'
    ) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find the cdktf-batch-exporter root above ${__dirname}`);
    dir = parent;
  }
}
