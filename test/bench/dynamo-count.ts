/**
 * Counts the DynamoDB requests a local stack makes, by the HTTP route that caused them. Loaded
 * into the stack's process with `--import` (see `countingEnv`), it changes nothing the hub does:
 * it subscribes to Node's HTTP diagnostics channels, tags each request the gateway receives
 * (its method and route, facility and other path values folded) in an AsyncLocalStorage, and
 * counts each outgoing DynamoDB request (by its X-Amz-Target) under the tag of the request it
 * runs for ('events' when none: the event functions' stream and timers). The counts are
 * written to `dynamo-requests.json` in the stack's data folder every 200 ms; read them with
 * `readCounts` and take differences.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { subscribe } from 'node:diagnostics_channel';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { join } from 'node:path';
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

const FILE = 'dynamo-requests.json';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const WRITE = /^(Put|Update|Delete|BatchWrite|TransactWrite)/;

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
  await sleep(450);
  return JSON.parse(readFileSync(join(stack.dataDir, FILE), 'utf8')) as Counts;
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
  const file = join(dataDir, FILE);
  setInterval(() => {
    writeFileSync(`${file}.tmp`, JSON.stringify(counts));
    renameSync(`${file}.tmp`, file);
  }, 200).unref();
}
