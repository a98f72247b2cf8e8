import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExporterFleet } from '../../local/faults';

/**
 * A stand-in for the exporter CLI: the first start (no marker file yet) exits 1 before it is ready, later
 * starts serve /healthz on BATCH_EXPORTER_HTTP_PORT and exit 0 on SIGTERM.
 */
const STAND_IN = `
const fs = require('node:fs');
const http = require('node:http');
if (!fs.existsSync(process.env.FAKE_MARKER)) {
  fs.writeFileSync(process.env.FAKE_MARKER, 'crashed once');
  console.error('crashing before ready');
  process.exit(1);
}
const server = http.createServer((req, res) => res.writeHead(req.url === '/healthz' ? 200 : 404).end());
server.listen(Number(process.env.BATCH_EXPORTER_HTTP_PORT), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

describe('ExporterFleet', () => {
  let dir: string;
  let fleet: ExporterFleet;
  const previousCli = process.env.FAULTS_CLI;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-test-'));
    fs.writeFileSync(path.join(dir, 'cli.js'), STAND_IN);
    process.env.FAULTS_CLI = path.join(dir, 'cli.js');
    fleet = new ExporterFleet({
      name: 'unit',
      logDir: path.join(dir, 'logs'),
      environment: { FAKE_MARKER: path.join(dir, 'marker') },
    });
  });

  afterEach(async () => {
    await fleet.close();
    if (previousCli === undefined) delete process.env.FAULTS_CLI;
    else process.env.FAULTS_CLI = previousCli;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('replaces a process that exits on its own before it is ready, and waits for the replacement', async () => {
    const exporter = await fleet.startReady(10_000);
    expect(exporter.label).toBe('unit#2');
    expect(fleet.starts).toBe(2);
    expect(fleet.unexpectedExits()).toEqual([{ label: 'unit#1', code: 1, signal: null, requested: false }]);
    expect(fs.readFileSync(path.join(dir, 'logs', 'unit-1.log'), 'utf8')).toContain('crashing before ready');
  });

  test('records SIGTERM and kill -9 as exits the harness asked for', async () => {
    fs.writeFileSync(path.join(dir, 'marker'), 'no crash this time');
    const first = await fleet.startReady(10_000);
    const second = await fleet.startReady(10_000);
    expect(await fleet.terminate(first, 5_000)).toMatchObject({ code: 0, requested: true });
    expect(await fleet.kill(second)).toMatchObject({ signal: 'SIGKILL', requested: true });
    expect(fleet.unexpectedExits()).toEqual([]);
    expect(fleet.live()).toEqual([]);
  });

  test('neither restarts nor counts as a crash a process started expecting its exit, with its own environment', async () => {
    const marker = path.join(dir, 'own-marker');
    const exporter = await fleet.start({ expectExit: true, environment: { FAKE_MARKER: marker } });
    expect(await exporter.exited).toEqual({ label: 'unit#1', code: 1, signal: null, requested: true });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(fleet.starts).toBe(1);
    expect(fleet.unexpectedExits()).toEqual([]);
    expect(fs.existsSync(marker)).toBe(true);
    expect(fs.existsSync(path.join(dir, 'marker'))).toBe(false);
    expect(exporter.log()).toContain('crashing before ready');
  });

  test('fails to start a process once the scenario closed the fleet', async () => {
    await fleet.close();
    await expect(fleet.start()).rejects.toThrow('the unit exporters were closed (scenario over)');
  });
});
