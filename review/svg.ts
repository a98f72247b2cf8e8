/**
 * Renders DOT to SVG with Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz): no native binary to
 * install. The package is an ES module, so it runs in a child Node process (which also keeps it out of
 * jest's CommonJS module system); the output is deterministic for the same DOT and package version.
 */
import { spawn } from 'node:child_process';

const RENDER = `
const { pathToFileURL } = require('node:url');
let dot = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { dot += chunk; });
process.stdin.on('end', () => {
  import(pathToFileURL(process.argv[1]).href)
    .then(({ Graphviz }) => Graphviz.load())
    .then((graphviz) => process.stdout.write(graphviz.dot(dot, 'svg')))
    .catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
});
`;

/** The SVG picture of a DOT graph. */
export async function renderSvg(dot: string): Promise<string> {
  const entry = require.resolve('@hpcc-js/wasm-graphviz');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', RENDER, entry], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else
        reject(
          new Error(
            `Graphviz (WASM) could not render the graph: ${Buffer.concat(err).toString('utf8').slice(0, 2000)}`,
          ),
        );
    });
    child.stdin.end(dot);
  });
}
