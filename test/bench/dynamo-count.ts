/**
 * Counts the DynamoDB requests a local stack makes, by the HTTP route that caused them. Loaded
 * into the stack's process with `--import` (see `countingEnv`), it changes nothing the hub does:
 * it subscribes to Node's HTTP diagnostics channels, tags each request the gateway receives
 * (its method and route, facility and other path values folded) in an AsyncLocalStorage, and
 * counts each outgoing DynamoDB request (by its X-Amz-Target) under the tag of the request it
 * runs for ('events' when none: the event functions' stream and timers). It also keeps the
 * stack's event-loop delay second by second (one process serves every route and event
 * function: a long synchronous task there delays every request). Both are written to
 * `dynamo-requests.json` in the stack's data folder every 250 ms; read them with `readCounts`
 * (take differences) and `readLoopDelay`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export interface RouteCounts {
  /** HTTP requests the gateway received. */
  requests: number;
  /** DynamoDB requests made while serving them. */
  dynamo: number;
  /** Of those, writes (Put, Update, Delete, BatchWrite, TransactWrite). */
  writes: number;
  /** DynamoDB requests by operation (Query, GetItem, ...). */
  ops: Record<string, number>;
}

export type Counts = Record<string, RouteCounts>;

/** One second of the stack's event-loop delay (ms): its p99 and its longest. */
export interface LoopSecond {
  at: number;
  p99: number;
  max: number;
}

/** The key under which the counts file keeps the event-loop delay's seconds (no route tag starts with '~'). */
const LOOP = '~loop';
/** The file a counting stack writes its counts to, in its data folder. */
export const COUNTS_FILE = 'dynamo-requests.json';
const WRITE = /^(Put|Update|Delete|BatchWrite|TransactWrite)/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The tag of a gateway request: `GET /facility/{f}/dispensingWorkorders`, further path values as {…}. */
export function routeTag(method: string, url: string): string {
  const parts = url.split('?')[0]!.split('/');
  if (parts[1] === 'facility' && parts.length > 2) parts[2] = '{f}';
  return `${method} ${parts.map((p, i) => (i > 3 ? '{…}' : p)).join('/')}`;
}

/** The environment that loads this counter into a stack started with it (startStack's `env`). */
export function countingEnv(): Record<string, string> {
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${fileURLToPath(import.meta.url)}`.trim() };
}

/** The counts a counting stack last wrote (waits for a fresh write first). */
export async function readCounts(stack: { dataDir: string }): Promise<Counts> {
  await sleep(600);
  const { [LOOP]: _, ...counts } = JSON.parse(readFileSync(join(stack.dataDir, COUNTS_FILE), 'utf8')) as Record<string, unknown>;
  return counts as Counts;
}

/** The stack's event-loop delay in the seconds that ended between `from` and `to` (Date.now() times; waits for a fresh write first). */
export async function readLoopDelay(stack: { dataDir: string }, from: number, to: number): Promise<LoopSecond[]> {
  await sleep(1300);
  const seconds = (JSON.parse(readFileSync(join(stack.dataDir, COUNTS_FILE), 'utf8')) as Record<string, unknown>)[LOOP] as
    | LoopSecond[]
    | undefined;
  return (seconds ?? []).filter((s) => s.at > from && s.at <= to);
}

/** `after - before` for one route tag (zeros when absent). */
export function diff(after: Counts, before: Counts, tag: string): RouteCounts {
  const a = after[tag] ?? { requests: 0, dynamo: 0, writes: 0, ops: {} };
  const b = before[tag] ?? { requests: 0, dynamo: 0, writes: 0, ops: {} };
  const ops: Record<string, number> = {};
  for (const [op, n] of Object.entries(a.ops)) if (n - (b.ops[op] ?? 0) > 0) ops[op] = n - (b.ops[op] ?? 0);
  return { requests: a.requests - b.requests, dynamo: a.dynamo - b.dynamo, writes: a.writes - b.writes, ops };
}

/** "2.00 DynamoDB requests (Query 1.00, GetItem 1.00), 0.00 writes" per request of the route. */
export function perRequest(c: RouteCounts): string {
  const n = Math.max(1, c.requests);
  const ops = Object.entries(c.ops)
    .map(([op, k]) => `${op} ${(k / n).toFixed(2)}`)
    .join(', ');
  return `${(c.dynamo / n).toFixed(2)} DynamoDB requests (${ops || 'none'}), ${(c.writes / n).toFixed(2)} writes`;
}

// Active only in the stack's own process (its children, e.g. the keys CLI, inherit NODE_OPTIONS).
const dataDir = process.env.MIXTICKET_DATA_DIR;
if (dataDir && /infra[/\\]local[/\\]start\.ts$/.test(process.argv[1] ?? '')) {
  const route = new AsyncLocalStorage<string>();
  const counts: Counts = {};
  const of = (tag: string) => (counts[tag] ??= { requests: 0, dynamo: 0, writes: 0, ops: {} });
  subscribe('http.server.request.start', (message) => {
    const { request } = message as { request: IncomingMessage };
    const tag = routeTag(request.method ?? '?', request.url ?? '/');
    of(tag).requests++;
    // The gateway's 'request' handler runs next in this same synchronous turn, and all it awaits after.
    route.enterWith(tag);
  });
  subscribe('http.client.request.start', (message) => {
    const { request } = message as { request: ClientRequest };
    const target = String(request.getHeader('x-amz-target') ?? '');
    if (!target.startsWith('DynamoDB_')) return;
    const op = target.slice(target.indexOf('.') + 1);
    const c = of(route.getStore() ?? 'events');
    c.dynamo++;
    c.ops[op] = (c.ops[op] ?? 0) + 1;
    if (WRITE.test(op)) c.writes++;
  });
  // How long the stack's event loop was held up, second by second (one process serves every route and event function).
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const seconds: LoopSecond[] = [];
  setInterval(() => {
    seconds.push({ at: Date.now(), p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 });
    if (seconds.length > 900) seconds.shift();
    delay.reset();
  }, 1000).unref();
  // Written off the event loop (a synchronous write and rename took up to tens of ms each on a
  // busy disk, stalling every request), one write at a time.
  const file = join(dataDir, COUNTS_FILE);
  let writing = false;
  setInterval(() => {
    if (writing) return;
    writing = true;
    writeFile(`${file}.tmp`, JSON.stringify({ ...counts, [LOOP]: seconds }))
      .then(() => rename(`${file}.tmp`, file))
      .catch(() => undefined)
      .finally(() => {
        writing = false;
      });
  }, 250).unref();
}
