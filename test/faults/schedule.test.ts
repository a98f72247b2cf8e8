import { ScenarioResult, ScenarioSpec, scheduleScenarios } from '../../local/faults';

function spec(id: string, exclusive = false): ScenarioSpec {
  return { id, title: id, exclusive, budgetSeconds: () => 1, run: async () => undefined };
}

function result(id: string): ScenarioResult {
  return {
    id,
    scenario: id,
    passed: true,
    events: 1,
    missing: 0,
    lost: 0,
    duplicated: 0,
    objects: 1,
    secondsToRecover: 0,
    seconds: 0,
    processStarts: 1,
    intentsSeen: 0,
    unexpectedExits: [],
    nodeVersions: [],
    kafkaClients: [],
    failures: [],
    notes: [],
  };
}

describe('scheduleScenarios', () => {
  test('runs up to the concurrency at once and an exclusive scenario alone', async () => {
    const events: string[] = [];
    let running = 0;
    let most = 0;
    const specs = [spec('a'), spec('b'), spec('c'), spec('x', true), spec('d')];
    const scheduled = scheduleScenarios(
      specs,
      async (s) => {
        running += 1;
        most = Math.max(most, running);
        events.push(`start ${s.id} with ${running} running`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running -= 1;
        return result(s.id);
      },
      2,
    );
    const results = await Promise.all(specs.map((s) => scheduled.get(s.id)!));
    expect(results.map((r) => r.id)).toEqual(['a', 'b', 'c', 'x', 'd']);
    expect(most).toBe(2);
    expect(events).toContain('start x with 1 running');
    expect(events.indexOf('start d with 1 running')).toBeGreaterThan(
      events.indexOf('start x with 1 running'),
    );
  });

  test("fails a scenario's promise with its error without stopping the others", async () => {
    const scheduled = scheduleScenarios(
      [spec('a'), spec('b')],
      async (s) => {
        if (s.id === 'a') throw new Error('broker refused');
        return result(s.id);
      },
      1,
    );
    await expect(scheduled.get('a')).rejects.toThrow('broker refused');
    await expect(scheduled.get('b')).resolves.toMatchObject({ id: 'b' });
  });
});
