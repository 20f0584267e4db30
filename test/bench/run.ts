/**
 * `npm run bench`: prints figures, asserts nothing. Runs against a fresh local stack
 * (DynamoDB Local in memory) on this machine; compare ratios, not absolute times: every
 * ratio is against a floor measured in the same run (test/bench/floor/), runs alternating.
 *
 * `npm run bench -- cold` (or `floor`, `poll`, `soak`) runs one part only.
 */
import { loadavg } from 'node:os';
import { startStack } from '../support/local-stack.ts';
import { benchColdStart } from './cold-start.ts';
import { benchFloor } from './floor-ratio.ts';
import { benchPollLatency } from './poll-latency.ts';
import { benchSoak } from './soak.ts';

const only = process.argv[2];
const part = (name: string) => only === undefined || only === name;
console.log(
  `MixTicket hub benchmark, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

if (part('floor') || part('poll')) {
  const stack = await startStack({ env: { POLL_SETTLE_MS: '100' } });
  try {
    console.log(`local stack at ${stack.baseUrl}`);
    if (part('floor')) await benchFloor(stack);
    if (part('poll')) await benchPollLatency(stack);
  } finally {
    await stack.destroy();
  }
}
if (part('cold')) await benchColdStart();
if (part('soak')) await benchSoak();
