/**
 * `npm run bench`: prints figures, asserts nothing. Runs against a fresh local stack
 * (DynamoDB Local in memory) on this machine; compare ratios, not absolute times: every
 * ratio is against a floor measured in the same run (test/bench/floor/), runs alternating.
 *
 * `npm run bench -- cold` (or `floor`, `poll`, `reports`, `consumption`, `stock`, `soak`, `webhooks`) runs one part only;
 * `npm run bench -- cold http/poll-work-orders.ts` measures the cold init of one function.
 */
import { loadavg } from 'node:os';
import { startStack } from '../support/local-stack.ts';
import { benchColdStart } from './cold-start.ts';
import { benchFloor } from './floor-ratio.ts';
import { benchPollLatency } from './poll-latency.ts';
import { benchConsumption, benchSummaries } from './reports.ts';
import { benchSoak } from './soak.ts';
import { benchStock } from './stock.ts';
import { benchWebhooks } from './webhooks.ts';

const only = process.argv[2];
const part = (name: string) => only === undefined || only === name;
console.log(
  `MixTicket hub benchmark, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

if (part('floor') || part('poll') || part('reports') || part('consumption')) {
  const stack = await startStack({ env: { POLL_SETTLE_MS: '100' } });
  try {
    console.log(`local stack at ${stack.baseUrl}`);
    if (part('floor')) await benchFloor(stack);
    // The reports run on the poll benchmark's facilities (1,000 and 10,000 orders).
    if (part('poll') || part('reports')) await benchPollLatency(stack);
    if (part('reports')) {
      await benchSummaries(stack);
      await benchConsumption(stack);
    }
    if (only === 'consumption') await benchConsumption(stack);
  } finally {
    await stack.destroy();
  }
}
if (part('stock')) {
  const stack = await startStack();
  try {
    await benchStock(stack);
  } finally {
    await stack.destroy();
  }
}
if (part('cold')) await benchColdStart({ only: only === 'cold' ? process.argv[3] : undefined });
if (part('soak')) await benchSoak();
if (part('webhooks')) await benchWebhooks();
