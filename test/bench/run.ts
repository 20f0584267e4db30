/**
 * `npm run bench`: prints figures, asserts nothing. Runs against a fresh local stack
 * (DynamoDB Local in memory) on this machine; compare ratios, not absolute times.
 */
import { startStack } from '../support/local-stack.ts';
import { benchBundleSizes } from './bundle-sizes.ts';
import { benchPollLatency } from './poll-latency.ts';
import { benchConsumption, benchSummaries } from './reports.ts';
import { benchSoak } from './soak.ts';

const stack = await startStack({ env: { POLL_SETTLE_MS: '100' } });
try {
  console.log(`MixTicket hub benchmark, Node ${process.version}, local stack at ${stack.baseUrl}`);
  await benchPollLatency(stack);
  // On the poll benchmark's facilities (1,000 and 10,000 orders).
  await benchSummaries(stack);
  await benchConsumption(stack);
  await benchBundleSizes();
} finally {
  await stack.destroy();
}
await benchSoak();
