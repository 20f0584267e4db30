/**
 * What the reference commands (pcs-cli.ts, erp-cli.ts) share: arguments, help, exit codes, the
 * poll loop. The conventions (docs/api.md, "The reference commands"):
 *  - `--help`, `-h`, `help` and `COMMAND --help`: the usage on stdout, exit 0;
 *  - a usage error (unknown command or option, a missing or stray argument, a bad value): a
 *    message on stderr, exit 2;
 *  - a failure: a message on stderr naming the URL and the cause, exit 1; never a stack trace.
 * The client modules are loaded only once the arguments are understood, so that help and
 * usage errors answer at once.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { HubClient } from './client.ts';

/** A usage error: message on stderr, exit 2. */
export class UsageError extends Error {}

/** A failure already put in words (the URL and the cause): message on stderr, exit 1. */
export class Failure extends Error {}

/** `10s`, `500ms`, `2m`, `1h` (a bare number is seconds) → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`not a duration: ${text} (e.g. 10s, 500ms, 2m)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(m[1]) * unit);
}

/** The hub's base URL as given, if it is one (http or https, with a host); a usage error naming it otherwise. */
export function hubUrl(text: string): string {
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    url = null;
  }
  if (!text.includes('://')) throw new UsageError(`--url ${text}: not a URL: missing scheme (e.g. http://127.0.0.1:3000)`);
  if (!url) throw new UsageError(`--url ${text}: not a URL`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--url ${text}: not an http or https URL`);
  if (url.search || url.hash) throw new UsageError(`--url ${text}: the base URL takes no query or fragment`);
  return text;
}

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

/** Whether the arguments ask for help (`--help` or `-h` before any `--`). */
export function wantsHelp(args: string[]): boolean {
  for (const a of args) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/**
 * Parses `args` with `options`, insisting on the `required` ones and on exactly `positionals`
 * (their names, for the messages) — anything else is a usage error.
 */
export function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>, required: string[], positionals: string[] = []) {
  let parsed: { values: unknown; positionals: string[] };
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (parsed.positionals.length > positionals.length) {
    throw new UsageError(
      `unexpected argument${parsed.positionals.length - positionals.length > 1 ? 's' : ''}: ${parsed.positionals.slice(positionals.length).join(' ')}`,
    );
  }
  if (parsed.positionals.length < positionals.length) throw new UsageError(`${positionals[parsed.positionals.length]} is required`);
  for (const name of required) if (values[name] === undefined) throw new UsageError(`--${name} is required`);
  for (const [name, value] of Object.entries(values)) if (value === '') throw new UsageError(`--${name} must not be empty`);
  if (typeof values.url === 'string') hubUrl(values.url);
  return { values, positionals: parsed.positionals };
}

const stamp = () => new Date().toISOString();
/** One line on stdout, time first: what happened (a poll, a stop). */
export const log = (line: string) => process.stdout.write(`${stamp()} ${line}\n`);
/** One line on stderr, time first: a retry, a failure the command goes on after. */
export const warn = (line: string) => process.stderr.write(`${stamp()} ${line}\n`);

/** A client of the hub for the command's --url and --key, over node:http (any port; failures keep their cause). */
export async function clientOf(values: Record<string, unknown>): Promise<HubClient> {
  const [{ createClient }, { nodeFetch }] = await Promise.all([import('./client.ts'), import('./node-transport.ts')]);
  return createClient({ baseUrl: String(values.url), apiKey: String(values.key), fetch: nodeFetch });
}

/** How long a `--once` run or a push keeps retrying one request before it gives up. */
export const GIVE_UP_AFTER_MS = 60_000;
/** Retries of one request that must end (--once, push): 1, 2, 4, 8, 16, 16 ... s (full jitter), about a minute in all. */
export const BOUNDED_RETRY = {
  attempts: Number.POSITIVE_INFINITY,
  baseMs: 1000,
  maxMs: 16_000,
  giveUpAfterMs: GIVE_UP_AFTER_MS,
  timeoutMs: 30_000,
};

/**
 * Polls `operation` until SIGINT/SIGTERM (or, with --once, until a poll serves nothing), writing
 * each document atomically to DIR/<agency>/<number>.json of its identifier (the latest wins).
 * One line per poll on stdout; retries on stderr. A request that cannot succeed later (400, 401,
 * 403, 404 ...) ends the command with exit 1; so does, with --once, one that still fails after
 * about a minute of retries. Without --once such a poll is tried again after the interval.
 * Resolves with the exit code.
 */
export async function pollLoop(
  operation: 'pollWorkOrders' | 'pollWorkRecords',
  values: Record<string, string | boolean | undefined>,
  identify: (doc: unknown) => { agency: string; number: string },
): Promise<number> {
  const interval = parseDuration(String(values.interval));
  const out = String(values.out);
  const facilityId = String(values.facility);
  const [{ documentPath, writeFileAtomic }, { createPoller, fileState, PollError }, { sleep }] = await Promise.all([
    import('./files.ts'),
    import('./poller.ts'),
    import('./retry.ts'),
  ]);
  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error('stopped'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const poller = createPoller({
    client: await clientOf(values),
    operation,
    facilityId,
    state: fileState(String(values.state)),
    onDocument: async (doc) => writeFileAtomic(documentPath(out, identify(doc)), `${JSON.stringify(doc, null, 2)}\n`),
    onRetry: ({ attempt, waitMs, reason }) => warn(`poll ${facilityId}: retry ${attempt} in ${waitMs} ms: ${reason}`),
    ...(values.once ? { retry: BOUNDED_RETRY } : {}),
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
        if (!(e instanceof PollError)) throw e;
        if (values.once || !e.retryable) throw new Failure(`poll ${facilityId} failed, lastExecutionDateTime kept: ${e.message}`);
        warn(`poll ${facilityId} failed, lastExecutionDateTime kept: ${e.message}`);
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

/** A message for an unexpected error: the system's words, no stack. */
function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT' && err.path) return `${err.path}: no such file or folder`;
  if ((err?.code === 'EACCES' || err?.code === 'EPERM') && err.path) return `${err.path}: permission denied`;
  if (err?.code && err.path) return `${err.path}: ${err.message}`;
  return err instanceof Error ? err.message : String(e);
}

/**
 * Runs a command's main with its help text. Help → stdout, exit 0 (main returns 0 after
 * printing it); UsageError → stderr with the usage line, exit 2; any other error → stderr, exit 1.
 */
export function run(program: string, usage: string, main: (args: string[]) => Promise<number>): void {
  // A reader that stops early (`| head`) is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      if (e instanceof UsageError) {
        process.stderr.write(`${program}: ${e.message}\n${usage}\nRun '${program} --help' for more.\n`);
        process.exitCode = 2;
      } else {
        process.stderr.write(`${program}: ${describe(e)}\n`);
        process.exitCode = 1;
      }
    },
  );
}
