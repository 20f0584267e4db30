/**
 * What every integration file shares: the tier's one stack (vitest's `inject`), facility names
 * of its own, keyed clients per role, and waits that end on an outcome, never on a guess.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, inject } from 'vitest';
import { client, keysOf, type LocalStack, localInstance, sleep } from './local-stack.ts';

/** A stack this file did not start. */
export type SharedStack = Omit<LocalStack, 'child'>;

/**
 * The integration tier's one stack, started by its globalSetup (test/support/global-stack.ts).
 * Stopping or destroying it from a file does nothing: the tier's teardown does that.
 */
export function sharedStack(): SharedStack {
  const { baseUrl, dataDir, env } = inject('stack');
  return { baseUrl, dataDir, env, ...keysOf(env), stop: async () => null, destroy: async () => undefined };
}

/**
 * A document client on the stack's own DynamoDB Local, for a test that plants or inspects items
 * (an upgrade's old shapes, a crash between two writes) — with the credentials the hub's functions
 * use locally (DynamoDB Local keeps one database per access key). `destroy()` it after.
 */
export function localTable(stack: Pick<LocalStack, 'dataDir' | 'env'>): { db: DynamoDBDocumentClient; tableName: string } {
  const local = localInstance(stack);
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
  const region = stack.env.AWS_REGION ?? 'us-east-1';
  return {
    db: DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: local.dynamodbEndpoint, region, credentials })),
    tableName: local.tableName,
  };
}

/**
 * The facilities of one test file, unique across files and runs on the shared stack: `next()`
 * gives a fresh one per test (`{prefix}-{pid}-{n}`), `first(count)` the names the first
 * `count` calls of next() give (for a key made up front that covers them).
 */
export function facilityNames(prefix: string): { next: () => string; first: (count: number) => string[] } {
  let used = 0;
  const name = (i: number) => `${prefix}-${process.pid}-${i}`;
  return { next: () => name(++used), first: (count) => Array.from({ length: count }, (_, i) => name(i + 1)) };
}

/** The HTTP client of test/support/local-stack.ts. */
export type Client = ReturnType<typeof client>;
/** A client and the key it sends (for the CLIs and raw requests that need the key itself). */
export type KeyedClient = Client & { key: string };

/**
 * A new key of `role` for `facilities` on any stack (shared or a file's own), and a client that
 * sends it. `extra` are further options of `npm run keys -- create` (`--name`, `--format`, ...).
 */
export async function keyed(
  stack: Pick<LocalStack, 'baseUrl' | 'createKey'>,
  role: 'erp' | 'pcs' | 'operator',
  facilities: string[],
  extra: string[] = [],
): Promise<KeyedClient> {
  const key = await stack.createKey(role, facilities, extra);
  return { ...client(stack.baseUrl, key), key };
}

/** One key a test file needs: its role, its facilities and further `keys create` options (see keyed()). */
export type KeySpec = readonly [role: 'erp' | 'pcs' | 'operator', facilities: string[], extra?: string[]];

/**
 * The shared stack and a file's keys, made in the file's beforeAll (all keys at once): the
 * returned object is filled in there, so read its fields inside tests and hooks only.
 * `const ctx = useSharedStack({ erp: ['erp', ['*']] })` gives `ctx.stack` and `ctx.erp`.
 */
export function useSharedStack<S extends Record<string, KeySpec>>(keys: S): { stack: SharedStack } & { [K in keyof S]: KeyedClient } {
  const ctx = {} as { stack: SharedStack } & { [K in keyof S]: KeyedClient };
  beforeAll(async () => {
    const stack = sharedStack();
    const names = Object.keys(keys);
    const clients = await Promise.all(names.map((name) => keyed(stack, ...(keys[name] as KeySpec))));
    Object.assign(ctx, { stack }, Object.fromEntries(names.map((name, i) => [name, clients[i]])));
  });
  return ctx;
}

/**
 * Waits until every change the stack acknowledged so far is served by its polls: a poll serves
 * only changes older than the hub's settle delay (`POLL_SETTLE_MS`, by the hub's own clock,
 * the same clock as this process), so once that delay and a margin have passed since the
 * acknowledgement, the change is in every poll. The wait ends on that rule, not on a guess.
 */
export async function settled(stack: Pick<LocalStack, 'env'>): Promise<void> {
  const settleMs = Number(stack.env.POLL_SETTLE_MS ?? 150);
  await sleep(settleMs + 50);
}

/**
 * Probes until `probe` answers something truthy and returns it; throws naming `what` once
 * `withinMs` have passed without. The deadline is generous on purpose: it only bounds a
 * failure, a passing test returns as soon as the outcome is there.
 */
export async function waitUntil<T>(what: string, probe: () => T | Promise<T>, withinMs = 40_000): Promise<NonNullable<T>> {
  const end = Date.now() + withinMs;
  for (;;) {
    const v = await probe();
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${withinMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
