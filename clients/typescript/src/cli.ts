/** What the reference commands (pcs-cli.ts, erp-cli.ts) share: arguments, durations, the poll loop. */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { createClient, type HubClient } from './client.ts';
import { documentPath, writeFileAtomic } from './files.ts';
import { createPoller, fileState, PollError, sleep } from './poller.ts';

/** `10s`, `500ms`, `2m`, `1h` (a bare number is seconds) → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`not a duration: ${text} (e.g. 10s, 500ms, 2m)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

export class UsageError extends Error {}

export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  key: { type: 'string' },
  facility: { type: 'string' },
} as const;

export const POLL_OPTIONS = {
  ...CONNECTION_OPTIONS,
  state: { type: 'string' },
  out: { type: 'string' },
  interval: { type: 'string', default: '10s' },
  once: { type: 'boolean', default: false },
} as const;

/** Parses `args` with `options`, insisting on the named ones. */
export function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>, required: string[]) {
  let parsed: { values: unknown; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  for (const name of required) if (values[name] === undefined) throw new UsageError(`--${name} is required`);
  return { values, positionals: parsed.positionals };
}

/** One line on stdout, time first. */
export const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);

export const clientOf = (values: Record<string, unknown>): HubClient =>
  createClient({ baseUrl: String(values.url), apiKey: String(values.key) });

/**
 * Polls `operation` until SIGINT/SIGTERM (or, with --once, until a poll serves nothing), writing
 * each document atomically to DIR/<agency>/<number>.json of its identifier (the latest wins).
 * One log line per poll. Resolves with the exit code.
 */
export async function pollLoop(
  operation: 'pollWorkOrders' | 'pollWorkRecords',
  values: Record<string, string | boolean | undefined>,
  identify: (doc: unknown) => { agency: string; number: string },
): Promise<number> {
  const interval = parseDuration(String(values.interval));
  const out = String(values.out);
  const facilityId = String(values.facility);
  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error('stopped'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const poller = createPoller({
    client: clientOf(values),
    operation,
    facilityId,
    state: fileState(String(values.state)),
    onDocument: async (doc) => writeFileAtomic(documentPath(out, identify(doc)), `${JSON.stringify(doc, null, 2)}\n`),
    onRetry: ({ attempt, waitMs, reason }) => log(`retry ${attempt} in ${waitMs} ms: ${reason}`),
  });
  try {
    while (!stop.signal.aborted) {
      try {
        const r = await poller.poll(stop.signal);
        log(
          `poll ${facilityId}: ${r.documents} document${r.documents === 1 ? '' : 's'} in ${r.pages} page${r.pages === 1 ? '' : 's'} (sent lastExecutionDateTime=${r.sent ?? 'none'}; next ${r.lastExecutionDateTime})`,
        );
        if (values.once && r.documents === 0) return 0;
      } catch (e) {
        if (stop.signal.aborted) break;
        log(`poll ${facilityId} failed, lastExecutionDateTime kept: ${(e as Error).message}`);
        if (values.once && e instanceof PollError && e.status !== null && e.status < 500 && e.status !== 429) return 1;
      }
      // --once keeps going without waiting while answers still carry documents.
      if (!values.once) await sleep(interval, stop.signal).catch(() => undefined);
    }
    log('stopped');
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Runs a command's main: usage errors print `usage` and exit 2. */
export function run(main: (args: string[]) => Promise<number>, usage: string): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      if (e instanceof UsageError) process.stderr.write(`${e.message}\n${usage}\n`);
      else process.stderr.write(`${(e as Error).stack ?? e}\n`);
      process.exitCode = e instanceof UsageError ? 2 : 1;
    },
  );
}
