/**
 * `npm run bench`: prints figures, asserts nothing. Runs against a fresh local stack
 * (DynamoDB Local in memory) on this machine; compare ratios, not absolute times: every
 * ratio is against a floor measured in the same run (test/bench/floor/), runs alternating.
 *
 * `npm run bench -- cold` (or `floor`, `poll`, `burst`, `reports`, `consumption`, `flat`, `stock`, `derive`, `trace`, `load`, `soak`, `webhooks`, `docs`) runs one part only;
 * `npm run bench -- cold http/poll-work-orders.ts` measures the cold init of one function, `npm run bench -- load --seconds 10`
 * runs the load for 10 s instead of 60 (`--rate N`: N polls/s wanted instead of 50). `npm run bench -- --help`
 * lists the parts; an unknown part is a usage error (exit 2).
 */
import { loadavg } from 'node:os';

const PARTS: Record<string, string> = {
  floor: 'the hub against its floor (a one-Query endpoint, raw BatchWriteItem), side by side',
  poll: 'poll latency at facilities of 1,000 and 10,000 orders',
  burst: 'a poll 3 s after a burst of 1,000 orders vs one Query; a first poll after loading 500 / 10,000 (items read)',
  reports: 'order summaries and consumption reports (runs poll first, on its facilities)',
  consumption: 'consumption reports alone',
  flat: 'poll, summaries page, order view with and without ?agency=, a year of consumption, a lot trace at 1,000 vs 100,000 orders (and records)',
  stock: 'GET /stock at a facility of 1,000 records against one of 100,000',
  derive: 'how long derived figures trail their records, 8 requests in flight on the same products',
  trace: 'a forward lot trace (40 records, 3 levels) at 10,000 and 100,000 records, against one Query of 40 items',
  load: 'the largest customer: 500 pcs keys polling at 50/s while orders and records arrive (load --seconds N, --rate N)',
  cold: 'cold init of every function (cold FUNCTION: of one, e.g. cold http/poll-work-orders.ts)',
  soak: '60 s of concurrent writers and five pollers with skewed clocks',
  webhooks: 'push delivery (webhooks): latency, throughput, redeliveries; 300 subscriptions over 100 facilities, outbox partitions',
  docs: 'the /docs page in headless Chromium: size, navigation until the reference is on the page',
};
const USAGE = 'usage: npm run bench [-- PART] | npm run bench -- cold [FUNCTION] | npm run bench -- load [--seconds N] [--rate N]';
const HELP = `${USAGE}

The benchmark suite: prints figures, asserts nothing, on fresh local stacks (docs/benchmarks.md).
Without PART every part runs.

parts:
${Object.entries(PARTS)
  .map(([name, what]) => `  ${name.padEnd(13)}${what}`)
  .join('\n')}

exit status: 0 done, 1 failure, 2 usage error (an unknown part, a stray argument)`;

const args = process.argv.slice(2);
if (args[0] === '--help' || args[0] === '-h' || args[0] === 'help' || args.slice(1).some((a) => a === '--help' || a === '-h')) {
  console.log(HELP);
  process.exit(0);
}
const usageError = (message: string): never => {
  console.error(`bench: ${message}\n${USAGE}\nRun 'npm run bench -- --help' for the parts.`);
  process.exit(2);
};
const only = args[0];
if (only !== undefined && !Object.hasOwn(PARTS, only)) usageError(`unknown part ${only}`);
/** `load`'s options: --seconds N, --rate N (positive numbers). */
const loadOptions: { seconds?: number; rate?: number } = {};
if (only === 'load') {
  for (let i = 1; i < args.length; i += 2) {
    const name = args[i]!.replace(/^--/, '');
    const value = Number(args[i + 1]);
    if (!args[i]!.startsWith('--') || (name !== 'seconds' && name !== 'rate')) usageError(`unexpected argument: ${args[i]}`);
    if (!(value > 0)) usageError(`--${name} takes a positive number, got ${args[i + 1] ?? 'nothing'}`);
    loadOptions[name as 'seconds' | 'rate'] = value;
  }
} else if (args.length > (only === 'cold' ? 2 : 1)) usageError(`unexpected argument: ${args.slice(only === 'cold' ? 2 : 1).join(' ')}`);

// Loaded once the arguments are understood, so that help and usage errors answer at once.
const { startStack } = await import('../support/local-stack.ts');
const { POLL_SETTINGS } = await import('../../functions/shared/config.ts');
const { benchColdStart } = await import('./cold-start.ts');
const { benchFloor } = await import('./floor-ratio.ts');
const { countingEnv } = await import('./dynamo-count.ts');
const { benchPollLatency } = await import('./poll-latency.ts');
const { benchBurst } = await import('./burst.ts');
const { benchConsumption, benchLargestReports, benchSummaries } = await import('./reports.ts');
const { benchSoak } = await import('./soak.ts');
const { benchLoad } = await import('./load.ts');
const { benchStock } = await import('./stock.ts');
const { benchDerive } = await import('./derive.ts');
const { benchTrace } = await import('./trace.ts');
const { benchWebhooks } = await import('./webhooks.ts');
const { benchDocsPage } = await import('./docs-page.ts');
const { benchFlat } = await import('./flat.ts');

const part = (name: string) => only === undefined || only === name;
console.log(
  `MixTicket hub benchmark, Node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);

if (part('floor') || part('poll') || part('reports') || part('consumption')) {
  // Counting DynamoDB requests by route in the stack (the floor bench prints an empty poll's).
  const stack = await startStack({ env: { POLL_SETTLE_MS: '100', ...countingEnv() } });
  try {
    console.log(`local stack at ${stack.baseUrl}`);
    if (part('floor')) await benchFloor(stack);
    // The reports run on the poll benchmark's facilities (1,000 and 10,000 orders).
    if (part('poll') || part('reports')) await benchPollLatency(stack);
    if (part('reports')) {
      await benchSummaries(stack);
      await benchConsumption(stack);
    }
    if (only === 'consumption') {
      await benchConsumption(stack);
      await benchLargestReports(stack);
    }
  } finally {
    await stack.destroy();
  }
}
if (part('burst')) {
  // The customer's default settle delay: what a poll reads just before its time depends on it.
  const settleMs = POLL_SETTINGS.settleMs.default;
  const stack = await startStack({ env: { POLL_SETTLE_MS: String(settleMs) } });
  try {
    await benchBurst(stack, settleMs);
  } finally {
    await stack.destroy();
  }
}
if (part('flat')) {
  const stack = await startStack({ env: { POLL_SETTLE_MS: '100' } });
  try {
    await benchFlat(stack);
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
if (part('derive')) {
  const stack = await startStack();
  try {
    await benchDerive(stack);
  } finally {
    await stack.destroy();
  }
}
if (part('trace')) {
  const stack = await startStack();
  try {
    await benchTrace(stack);
  } finally {
    await stack.destroy();
  }
}
if (part('cold')) await benchColdStart({ only: only === 'cold' ? process.argv[3] : undefined });
if (part('load')) await benchLoad(loadOptions);
if (part('soak')) await benchSoak();
if (part('webhooks')) await benchWebhooks();
if (part('docs')) await benchDocsPage();
