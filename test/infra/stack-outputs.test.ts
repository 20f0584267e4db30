/**
 * How `npm run keys -- --stack NAME` finds a deployed stack: the region from the customers file,
 * the table from the stack's outputs. CloudFormation is injected: AWS cannot run here, and no
 * SDK mock library is installed, so the keys CLI's own wiring of the real client is not run.
 */

import assert from 'node:assert/strict';
import { test } from 'vitest';
import { loadCustomers } from '../../infra/customers.ts';
import {
  OUTPUT,
  outputValue,
  regionOfStack,
  resolveStackTarget,
  type StackOutput,
  type StackTargetDeps,
} from '../../infra/stacks/stack-outputs.ts';
import { EXAMPLE_CUSTOMERS_FILE } from './support.ts';

const customers = loadCustomers(EXAMPLE_CUSTOMERS_FILE);
const OUTPUTS: StackOutput[] = [
  { OutputKey: OUTPUT.apiUrl, OutputValue: 'https://abc.execute-api.ca-central-1.amazonaws.com/' },
  { OutputKey: OUTPUT.tableName, OutputValue: 'MixTicketHub-prairie-feed-DataTable-XYZ' },
  { OutputKey: OUTPUT.bucketName, OutputValue: 'mixtickethub-prairie-feed-documentsbucket-xyz' },
];

/** Fake CloudFormation and default region that record how they were called. */
function fakes(options: { defaultRegion?: string; outputs?: StackOutput[] } = {}) {
  const calls: { describe: Array<[string, string]>; defaultRegion: number } = { describe: [], defaultRegion: 0 };
  const deps: Omit<StackTargetDeps, 'customers'> = {
    defaultRegion: async () => {
      calls.defaultRegion += 1;
      return options.defaultRegion;
    },
    describeOutputs: async (stackName, region) => {
      calls.describe.push([stackName, region]);
      return options.outputs ?? OUTPUTS;
    },
  };
  return { deps, calls };
}

test('the region comes from the customers file entry whose stackName matches, not from AWS_REGION', async () => {
  const { deps, calls } = fakes({ defaultRegion: 'us-east-1' });
  const target = await resolveStackTarget('MixTicketHub-prairie-feed', { customers, ...deps });
  assert.deepEqual(target, {
    stackName: 'MixTicketHub-prairie-feed',
    region: 'ca-central-1',
    regionSource: 'customers file',
    tableName: 'MixTicketHub-prairie-feed-DataTable-XYZ',
    bucketName: 'mixtickethub-prairie-feed-documentsbucket-xyz',
  });
  assert.deepEqual(calls.describe, [['MixTicketHub-prairie-feed', 'ca-central-1']], "DescribeStacks in the customer's region");
  assert.equal(calls.defaultRegion, 0);
});

test('a stack the customers file does not know: the default AWS region', async () => {
  for (const known of [customers, null]) {
    const { deps, calls } = fakes({ defaultRegion: 'eu-west-1' });
    const target = await resolveStackTarget('SomeOtherHub', { customers: known, ...deps });
    assert.equal(target.region, 'eu-west-1');
    assert.equal(target.regionSource, 'AWS default region');
    assert.deepEqual(calls.describe, [['SomeOtherHub', 'eu-west-1']]);
  }
});

test('no region anywhere: an error saying what to do, before any AWS call', async () => {
  const { deps, calls } = fakes({});
  await assert.rejects(
    resolveStackTarget('SomeOtherHub', { customers, ...deps }),
    /not in the customers file and no AWS region is set; .*AWS_REGION/,
  );
  assert.deepEqual(calls.describe, []);
});

test('a stack without a TableName output is not taken for a hub', async () => {
  const { deps } = fakes({ outputs: [{ OutputKey: 'Other', OutputValue: 'x' }] });
  await assert.rejects(
    resolveStackTarget('MixTicketHub-acme-blending', { customers, ...deps }),
    /MixTicketHub-acme-blending in us-east-1 has no TableName output/,
  );
});

test('lookups by key', () => {
  assert.equal(regionOfStack(customers, 'MixTicketHub-acme-blending'), 'us-east-1');
  assert.equal(regionOfStack(customers, 'acme-blending'), undefined, 'by stack name, not by customer name');
  assert.equal(regionOfStack(null, 'MixTicketHub-acme-blending'), undefined);
  assert.equal(outputValue(OUTPUTS, OUTPUT.apiUrl), 'https://abc.execute-api.ca-central-1.amazonaws.com/');
  assert.equal(outputValue(undefined, OUTPUT.apiUrl), undefined);
});
