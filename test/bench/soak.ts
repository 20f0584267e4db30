/**
 * The longer polling soak: 60 s of concurrent writers and five pollers with clocks from 10
 * minutes behind to 10 minutes ahead. Prints losses, the redelivery ratio and the delivery
 * delay percentiles (from a push's answer to the first poll that delivers it).
 */
import { startStack } from '../support/local-stack.ts';
import { runSoak, skewedPollers } from '../support/soak.ts';
import { fmt, percentile } from './stats.ts';

export async function benchSoak(durationMs = 60_000, settleMs = 1000, intervalMs = 1000): Promise<void> {
  const stack = await startStack({ env: { POLL_SETTLE_MS: String(settleMs), POLL_PAGE_SIZE: '100' } });
  try {
    const report = await runSoak(stack, {
      facility: 'SOAK',
      durationMs,
      writers: 3,
      pollers: skewedPollers(intervalMs),
      settleMs,
      writerPauseMs: 50,
    });
    console.log(
      `\nPolling soak: ${durationMs / 1000} s, 3 writers, ${report.changes} changes to ${report.orders} orders, settle ${settleMs} ms, poll every ${intervalMs} ms`,
    );
    if (report.writerErrors.length) console.log(`  writer errors: ${report.writerErrors.length} (first: ${report.writerErrors[0]})`);
    for (const p of report.pollers) {
      const lost = p.missing.length + p.stale.length;
      console.log(
        `  ${p.name.padEnd(28)} polls ${String(p.polls).padStart(4)}  served ${String(p.served).padStart(5)}  lost ${lost}  redelivery ${p.redelivery.toFixed(2)}  per version ${p.repeats.toFixed(2)}  delay p50 ${fmt(percentile(p.delays, 50))} p95 ${fmt(percentile(p.delays, 95))} max ${fmt(Math.max(...p.delays))}`,
      );
    }
    console.log('  (redelivery = documents served / changes made, below 1 when changes to an order fold into one delivery;');
    console.log('   per version = documents served / distinct versions served, 1.00 when no version arrives twice)');
  } finally {
    await stack.destroy();
  }
}
