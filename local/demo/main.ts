/**
 * `npm run demo`: deploys examples/s3-export onto local Kafka and a local AWS and shows the export working.
 * Options: `npm run demo -- --help`. Exit code 0 when the verdict is PASS, 1 otherwise.
 */
import readline from 'node:readline';
import { SingleBar, Presets } from 'cli-progress';
import { installQuietRequestQueue } from '../../runtime/kafka/kafkajs-request-queue';
import { parseDemoOptions } from './options';
import { DemoOutput, runDemo } from './run';

function terminalOutput(interactive: boolean): DemoOutput {
  return {
    line: (text = '') => process.stdout.write(`${text}\n`),
    progress: (total) => {
      if (process.stdout.isTTY) {
        const bar = new SingleBar(
          { format: '   [{bar}] {percentage}% | {value}/{total} events | {eta}s left', hideCursor: true },
          Presets.shades_classic,
        );
        bar.start(total, 0);
        return { update: (done) => bar.update(done), stop: () => bar.stop() };
      }
      // Not a terminal (CI, a pipe): a line per quarter instead of a redrawn bar.
      let shown = 0;
      return {
        update: (done) => {
          const quarter = Math.floor((done / total) * 4);
          if (quarter > shown) {
            shown = quarter;
            process.stdout.write(`   ${done}/${total} events (${quarter * 25}%)\n`);
          }
        },
        stop: () => undefined,
      };
    },
    ...(interactive && {
      confirm: (question: string) =>
        new Promise<boolean>((resolve) => {
          const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
          rl.question(`${question} [y/N] `, (answer) => {
            rl.close();
            resolve(/^y(es)?$/i.test(answer.trim()));
          });
        }),
    }),
  };
}

async function main(): Promise<void> {
  // The demo's own kafkajs clients (producer, admin) get the exporter's fix too: no 1 ms timer, no warning.
  installQuietRequestQueue();
  let options;
  try {
    options = parseDemoOptions(process.argv.slice(2));
  } catch (error) {
    // --help and --version end here with code 0; a bad option with commander's code (1).
    process.exitCode = (error as { exitCode?: number }).exitCode ?? 2;
    return;
  }
  const interactive = !options.yes && process.stdin.isTTY === true;
  try {
    const result = await runDemo(options, terminalOutput(interactive));
    process.exitCode = result.verdict.startsWith('VERDICT: PASS') ? 0 : 1;
  } catch (error) {
    process.stderr.write(`demo failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}

void main();
