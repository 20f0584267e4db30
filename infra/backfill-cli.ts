/**
 * `npm run backfill -- [--stack NAME] [--force]`: brings the items an earlier version wrote up to
 * date (functions/store/backfill.ts): orders gain the summaries' index attributes, records not
 * counted by their creating transaction are derived (consumption, stock, order status), each exactly once,
 * record heads gain their entry by record time (the edges of consumption reports),
 * and records counted before the lot index get their lot entries. `npm start` runs it by itself;
 * on AWS run it once after the deployment that adds the summaries indexes, and once after each
 * that adds a part (record-time entries, lot entries). Idempotent: a second run finds nothing to do (and skips a part's
 * scan once a completed run of it is recorded, unless --force).
 */
import { parseArgs } from 'node:util';
import { connect } from './connect.ts';

const USAGE = 'usage: npm run backfill -- [--stack NAME] [--force]';

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { stack: { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const { release } = await connect(values.stack, 'backfill');
  try {
    const { backfill } = await import('../functions/store/backfill.ts');
    const { deriveRecords } = await import('../functions/use-cases/derive-records.ts');
    const { derivedFiguresStore } = await import('../functions/store/derive-store.ts');
    const { indexLegacyLots } = await import('../functions/use-cases/index-lots.ts');
    const { lotBackfillStore } = await import('../functions/store/derive-store.ts');
    const derive = (facilityId: string, ids: readonly { agency: string; number: string }[]) =>
      deriveRecords(derivedFiguresStore, facilityId, ids);
    const indexLots = (facilityId: string, ids: readonly { agency: string; number: string }[]) =>
      indexLegacyLots(lotBackfillStore, facilityId, ids);
    const done = await backfill({ force: values.force === true, derive, indexLots });
    console.log(
      `backfill: ${done.orders} orders and ${done.records} records brought up to date, ${done.recordTimes} records dated for reports, ${done.lots} records' lots indexed, ${done.recordCounts} orders' record counts kept, ${done.rollups} report roll-up items built`,
    );
  } finally {
    await release();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: Error) => {
    console.error(`backfill: ${e.message || String(e)}`);
    if (e.name === 'TypeError' && /option/i.test(e.message)) console.error(USAGE);
    process.exit(1);
  },
);
