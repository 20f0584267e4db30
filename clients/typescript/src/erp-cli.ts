/**
 * The reference ERP client: `npm run erp -- push FILE ...` pushes a file of work orders (either
 * form: the envelope, a bare array, the older PascalCase form) as it is; `npm run erp -- records
 * ...` polls work records without loss into DIR/<agency>/<number>.json.
 */
import { readFile } from 'node:fs/promises';
import { CONNECTION_OPTIONS, clientOf, POLL_OPTIONS, parse, pollLoop, run, UsageError } from './cli.ts';
import type { DispensingWorkRecord } from './generated/api.ts';

const USAGE = [
  'usage: erp push FILE --url URL --key KEY --facility ID',
  '       erp records --url URL --key KEY --facility ID --state FILE --out DIR [--interval 10s] [--once]',
].join('\n');

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === 'push') {
    const { values, positionals } = parse(rest, CONNECTION_OPTIONS, ['url', 'key', 'facility']);
    const [file] = positionals;
    if (!file || positionals.length > 1) throw new UsageError('push takes one FILE');
    // Sent as it is: the hub reads every form, and its errors point into the file as written.
    const body = await readFile(file, 'utf8');
    const answer = await clientOf(values).call('pushWorkOrders', { params: { facilityId: String(values.facility) }, body: body as never });
    process.stdout.write(`${JSON.stringify(answer.body, null, 2)}\n`);
    return answer.status === 200 ? 0 : 1;
  }
  if (command === 'records') {
    const { values } = parse(rest, POLL_OPTIONS, ['url', 'key', 'facility', 'state', 'out']);
    return pollLoop('pollWorkRecords', values, (doc) => (doc as DispensingWorkRecord).workRecordIdentifier);
  }
  throw new UsageError(command ? `unknown command ${command}` : 'a command is needed');
}

run(main, USAGE);
