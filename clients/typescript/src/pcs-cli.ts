/**
 * The reference PCS client (`npm run pcs -- poll ...`): polls the hub for work orders without
 * loss and keeps each order's latest version in DIR/<agency>/<number>.json.
 */

import { POLL_OPTIONS, parse, pollLoop, run, UsageError } from './cli.ts';
import type { DispensingWorkOrder } from './generated/api.ts';

const USAGE = 'usage: pcs poll --url URL --key KEY --facility ID --state FILE --out DIR [--interval 10s] [--once]';

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command !== 'poll') throw new UsageError(command ? `unknown command ${command}` : 'a command is needed');
  const { values } = parse(rest, POLL_OPTIONS, ['url', 'key', 'facility', 'state', 'out']);
  return pollLoop('pollWorkOrders', values, (doc) => (doc as DispensingWorkOrder).workOrderIdentifier);
}

run(main, USAGE);
