/**
 * The reference PCS client (`npm run pcs -- poll ...`): polls the hub for work orders without
 * loss and keeps each order's latest version in DIR/<agency>/<number>.json.
 */

import { POLL_OPTIONS, parse, pollLoop, run, UsageError, wantsHelp } from './cli.ts';
import type { DispensingWorkOrder } from './generated/api.ts';

const USAGE = 'usage: npm run pcs -- poll --url URL --key KEY --facility ID --state FILE --out DIR [--interval 10s] [--once]';

const HELP = `${USAGE}

The reference PCS client: polls the hub for the work orders of one facility without loss and
writes each served order to DIR/<agency>/<number>.json (the latest version wins, written
atomically). It keeps the time of its last successful poll (lastExecutionDateTime) in FILE.

commands:
  poll          poll work orders (every interval, or until nothing is left with --once)
  help          this text (also --help, -h, and poll --help)

options of poll:
  --url URL       the hub's base URL with its scheme, e.g. http://127.0.0.1:3000
  --key KEY       a pcs key of the facility
  --facility ID   the facility to poll
  --state FILE    where lastExecutionDateTime is kept (created by the first poll)
  --out DIR       where the orders are written
  --interval D    the wait between polls (default 10s; e.g. 500ms, 30s, 2m)
  --once          poll until an answer carries no documents, then exit 0

output:
  stdout  one line per poll
  stderr  retries, failures and usage errors

retries:
  Connection errors, timeouts, 429 and 5xx answers are retried with backoff (honouring
  Retry-After); 400, 401, 403 and 404 are not: the command exits 1 at once with the hub's
  explanation. With --once a request that still fails after about a minute ends the run
  (exit 1); without it the poll is tried again after the interval. SIGINT or SIGTERM stops
  cleanly (exit 0); an unfinished poll leaves FILE as it was.

exit status:
  0  done (--once) or stopped
  1  failure: the message names the URL and the cause (e.g. connection refused)
  2  usage error`;

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined) throw new UsageError('a command is needed');
  if (command === '--help' || command === '-h' || command === 'help' || (command === 'poll' && wantsHelp(rest))) {
    if (command === 'help' && rest.length > 0 && rest[0] !== 'poll') throw new UsageError(`unknown command ${rest[0]}`);
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (command !== 'poll') throw new UsageError(`unknown command ${command}`);
  const { values } = parse(rest, POLL_OPTIONS, ['url', 'key', 'facility', 'state', 'out']);
  return pollLoop('pollWorkOrders', values, (doc) => (doc as DispensingWorkOrder).workOrderIdentifier);
}

run('pcs', USAGE, main);
