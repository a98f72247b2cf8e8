/**
 * Which framework the constructs synthesize with: cdktf here, CDK Terrain (cdktn) in the jest project that
 * maps `cdktf` to `cdktn` (jest.config.js), so a mapping that silently stopped working fails here.
 */
import { TerraformStack } from 'cdktf';
import { S3BatchExport } from '../../constructs/s3-batch-export';
import { DEMO_NETWORK, DEMO_STREAM } from './fixtures';
import { synthStack } from '../support/synth';

declare const EXPECTED_FRAMEWORK: string | undefined;

describe('the framework the constructs synthesize with', () => {
  const expected = typeof EXPECTED_FRAMEWORK === 'string' ? EXPECTED_FRAMEWORK : 'cdktf';

  test('is the one this jest project maps cdktf to, by the version it writes into the plan', () => {
    const out = synthStack((stack: TerraformStack) => {
      new S3BatchExport(stack, 'Export', { stream: DEMO_STREAM, network: DEMO_NETWORK });
    });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { version } = require(`${expected}/package.json`) as { version: string };
    expect((out.json as Record<string, unknown>)['//']).toMatchObject({ metadata: { version } });
    expect(require.resolve('cdktf')).toContain(`node_modules/${expected}/`);
  });
});
