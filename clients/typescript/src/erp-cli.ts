/**
 * The reference ERP client: `npm run erp -- push FILE ...` pushes a file of work orders (either
 * form: the envelope, a bare array, the older PascalCase form) in requests of at most 50
 * documents; `npm run erp -- records ...` polls work records without loss into
 * DIR/<agency>/<number>.json.
 */
import { readFile } from 'node:fs/promises';
import {
  BOUNDED_RETRY,
  CONNECTION_OPTIONS,
  clientOf,
  Failure,
  POLL_OPTIONS,
  parse,
  pollLoop,
  run,
  UsageError,
  wantsHelp,
  warn,
} from './cli.ts';
import type { DispensingWorkRecord } from './generated/api.ts';

const USAGE = [
  'usage: npm run erp -- push FILE --url URL --key KEY --facility ID [--continue]',
  '       npm run erp -- records --url URL --key KEY --facility ID --state FILE --out DIR [--interval 10s] [--once]',
].join('\n');

const HELP = `${USAGE}

The reference ERP client.

commands:
  push FILE     push the work orders of FILE: the envelope {"dispensingWorkOrder": [...]}, a bare
                array, or the older form; any number of them, in requests of at most 50
  records       poll work records without loss, each to DIR/<agency>/<number>.json
  help          this text (also --help, -h, and COMMAND --help)

options:
  --url URL       the hub's base URL with its scheme, e.g. http://127.0.0.1:3000
  --key KEY       an erp key of the facility
  --facility ID   the facility
  --continue      (push) when a request is refused, go on with the next ones (exit 1 at the end)
  --state FILE    (records) where lastExecutionDateTime is kept (created by the first poll)
  --out DIR       (records) where the records are written
  --interval D    (records) the wait between polls (default 10s; e.g. 500ms, 30s, 2m)
  --once          (records) poll until an answer carries no documents, then exit 0

push:
  stdout  one line per request: the hub's answer as JSON, its indices (results[].index,
          errors[].path) counted from the start of the file
  stderr  progress (on a terminal only), then which documents are applied and which not
  A request applies all its documents or none. When one is refused (4xx) the push stops and
  says which requests (documents, order numbers) were applied and which not; --continue goes
  on with the next requests instead. Connection errors, timeouts, 429 and 5xx are retried with
  backoff for about a minute per request; then the push stops.

records:
  stdout  one line per poll; stderr: retries and failures. Connection errors, timeouts, 429
  and 5xx are retried with backoff; 400, 401, 403 and 404 are not (exit 1 at once). With
  --once a request that still fails after about a minute ends the run (exit 1).

exit status:
  0  every document applied (push); done or stopped (records)
  1  failure: a request refused or not answered, FILE missing, unreadable or not JSON; the
     message names the URL (or FILE) and the cause
  2  usage error`;

async function push(values: Record<string, string | boolean | undefined>, file: string): Promise<number> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'a folder, not a file'
          : code === 'EACCES'
            ? 'permission denied'
            : (e as Error).message;
    throw new Failure(`cannot read ${file}: ${why}`);
  }
  const { splitFile, sendBatch, inFileTerms, describeBatch, errorLines, summary } = await import('./push.ts');
  let split: ReturnType<typeof splitFile>;
  try {
    split = splitFile(text);
  } catch (e) {
    throw new Failure(`${file} is not JSON: ${(e as Error).message}`);
  }
  const { batches, documents } = split;
  const client = await clientOf(values);
  const facilityId = String(values.facility);
  const tty = process.stderr.isTTY === true;
  const progress = (line: string) => tty && process.stderr.write(`\r\x1b[K${line}`);
  const outcomes: Awaited<ReturnType<typeof sendBatch>>[] = [];
  let applied = 0;
  for (const batch of batches) {
    if (outcomes.some((o) => o.state === 'failed' || (o.state === 'refused' && !values.continue))) {
      outcomes.push({ batch, state: 'skipped' });
      continue;
    }
    progress(`erp push: request ${batch.number}/${batches.length}, ${applied}/${documents ?? '?'} documents applied`);
    const outcome = await sendBatch(client, facilityId, batch, BOUNDED_RETRY, ({ attempt, waitMs, reason }) => {
      progress('');
      warn(`push ${describeBatch(batch, batches.length)}: retry ${attempt} in ${waitMs} ms: ${reason}`);
    });
    outcomes.push(outcome);
    if (outcome.state === 'applied' || outcome.state === 'refused') {
      process.stdout.write(`${JSON.stringify(inFileTerms(outcome.answer, batch.from))}\n`);
    }
    if (outcome.state === 'applied') applied += batch.to - batch.from;
    else if (outcome.state === 'refused' || outcome.state === 'failed') {
      progress('');
      process.stderr.write(
        `erp: ${describeBatch(batch, batches.length)} ${outcome.state === 'refused' ? 'refused' : 'failed'}: ${outcome.message}\n`,
      );
      if (outcome.state === 'refused') for (const line of errorLines(outcome)) process.stderr.write(`${line}\n`);
    }
  }
  progress('');
  const url = client.url('pushWorkOrders', { facilityId });
  const [first, ...rest] = summary(outcomes, documents);
  process.stderr.write(`erp: push to ${url}: ${first}\n${rest.map((l) => `${l}\n`).join('')}`);
  return outcomes.every((o) => o.state === 'applied') ? 0 : 1;
}

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined) throw new UsageError('a command is needed');
  const known = command === 'push' || command === 'records';
  if (command === '--help' || command === '-h' || command === 'help' || (known && wantsHelp(rest))) {
    if (command === 'help' && rest.length > 0 && rest[0] !== 'push' && rest[0] !== 'records')
      throw new UsageError(`unknown command ${rest[0]}`);
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (command === 'push') {
    const { values, positionals } = parse(
      rest,
      { ...CONNECTION_OPTIONS, continue: { type: 'boolean', default: false } },
      ['url', 'key', 'facility'],
      ['FILE'],
    );
    return push(values, positionals[0]!);
  }
  if (command === 'records') {
    const { values } = parse(rest, POLL_OPTIONS, ['url', 'key', 'facility', 'state', 'out']);
    return pollLoop('pollWorkRecords', values, (doc) => (doc as DispensingWorkRecord).workRecordIdentifier);
  }
  throw new UsageError(`unknown command ${command}`);
}

run('erp', USAGE, main);
