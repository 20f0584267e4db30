/**
 * The local stack when its database dies: DynamoDB Local killed (kill -9 of its Java process)
 * while orders are pushed. Every answer is a success or a 503 problem with Retry-After (never
 * another 5xx, never a hang), the hub stays up, `npm start` starts DynamoDB Local again and the
 * hub serves again on its own, and every push it acknowledged is still there afterwards. With
 * the table in memory there is nothing to come back to: the hub stops, saying so, and cleanly.
 * A SIGTERM answers the request in flight before the hub stops.
 *
 * Each test runs its own stack (start.ts as a child process) with its data in a folder of its own.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach, test } from 'vitest';
import { checkResponse } from '../support/contract.ts';
import { orders, workOrder } from '../support/documents.ts';
import { type LocalStack, sleep, startStack } from '../support/local-stack.ts';

const FACILITY = 'PLANT-1';
const path = `/facility/${FACILITY}/dispensingWorkorders`;
/** No answer may take longer than this: a hang is a failure. */
const ANSWER_MS = 30_000;
/** How long the stack may take to have DynamoDB Local back (Java compiles the launcher first). */
const RECOVERY_MS = 90_000;

const stacks: LocalStack[] = [];
const outputs = new WeakMap<LocalStack, () => string>();
/** What the hub printed so far (for failure messages). */
const outputOf = (stack: LocalStack) => outputs.get(stack)?.() ?? '';
afterEach(async () => {
  for (const stack of stacks.splice(0)) await stack.destroy();
});

async function stackOf(options: Parameters<typeof startStack>[0]): Promise<LocalStack & { output: () => string }> {
  const stack = await startStack(options);
  stacks.push(stack);
  let output = '';
  stack.child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  stack.child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  outputs.set(stack, () => output);
  return Object.assign(stack, { output: () => output });
}

/** The pid of the hub's DynamoDB Local (its Java child), or null while there is none. */
function javaOf(stack: LocalStack): number | null {
  try {
    const pids = execFileSync('pgrep', ['-P', String(stack.child.pid), 'java'])
      .toString()
      .trim()
      .split('\n');
    assert.equal(pids.length, 1, 'one DynamoDB Local');
    return Number(pids[0]);
  } catch (e) {
    // pgrep exits 1 when nothing matches.
    if ((e as { status?: number }).status === 1) return null;
    throw e;
  }
}

/** Kills the hub's DynamoDB Local as a crash would, and returns its pid. */
function killDatabase(stack: LocalStack): number {
  const java = javaOf(stack);
  assert.ok(java, 'DynamoDB Local runs');
  process.kill(java, 'SIGKILL');
  return java;
}

/** The hub's exit code once it exits, or 'still running' after `ms`. */
async function exitOf(stack: LocalStack, ms: number): Promise<number | string> {
  const deadline = Date.now() + ms;
  while (stack.child.exitCode === null && stack.child.signalCode === null && Date.now() < deadline) await sleep(100);
  return stack.child.exitCode ?? stack.child.signalCode ?? 'still running';
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

/** One request, bounded in time, its answer checked against openapi.json. */
async function call(stack: LocalStack, key: string, method: string, url: string, body?: unknown): Promise<Answer> {
  const res = await fetch(stack.baseUrl + url, {
    method,
    headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(ANSWER_MS),
  }).catch((e: Error) => {
    const why = (e.cause as Error | undefined)?.message ?? e.message;
    throw new Error(`${method} ${url}: no answer (${why}); hub exit code ${stack.child.exitCode}\n${outputOf(stack)}`);
  });
  const text = await res.text();
  checkResponse(method, url, res.status, res.headers, text);
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** A 503 as the contract promises it when storage is out of reach. */
function assertUnavailable(answer: Answer, what: string): void {
  assert.equal(answer.status, 503, `${what}: a success or 503, got ${answer.status} ${JSON.stringify(answer.body)}`);
  assert.equal(answer.headers.get('content-type'), 'application/problem+json', what);
  assert.ok(Number(answer.headers.get('retry-after')) > 0, `${what}: Retry-After`);
  assert.equal(answer.body.type, 'urn:mixticket:problem:unavailable', what);
}

/** Order numbers the hub acknowledged as stored (created or updated) in a push's answer. */
const acknowledged = (answer: Answer): string[] =>
  (answer.body.results as { workOrderNumber: string; outcome: string }[])
    .filter((r) => r.outcome === 'created' || r.outcome === 'updated' || r.outcome === 'unchanged')
    .map((r) => r.workOrderNumber);

/** Waits until a GET is answered other than 503 (DynamoDB Local back); every 503 meanwhile must be as the contract says. */
async function awaitRecovery(stack: LocalStack, key: string, url: string): Promise<void> {
  const deadline = Date.now() + RECOVERY_MS;
  for (;;) {
    const answer = await call(stack, key, 'GET', url);
    if (answer.status !== 503) return;
    assertUnavailable(answer, `GET ${url} while DynamoDB Local is away`);
    assert.ok(Date.now() < deadline, `DynamoDB Local not back within ${RECOVERY_MS} ms:\n${outputOf(stack)}`);
    await sleep(250);
  }
}

/**
 * Every acknowledged order is there, as pushed. A 503 (storage out of reach for a moment: on a
 * loaded machine the restarted DynamoDB Local can still stall a request) is asked again, as the
 * client it tells to retry would; only a 404 would be a lost order.
 */
async function assertAllThere(stack: LocalStack, key: string, numbers: Iterable<string>): Promise<void> {
  const missing: string[] = [];
  const deadline = Date.now() + RECOVERY_MS;
  for (const number of numbers) {
    let answer = await call(stack, key, 'GET', `${path}/${number}`);
    while (answer.status === 503) {
      assertUnavailable(answer, `GET ${number}`);
      assert.ok(Date.now() < deadline, `GET ${number}: still 503 after ${RECOVERY_MS} ms:\n${outputOf(stack)}`);
      await sleep(250);
      answer = await call(stack, key, 'GET', `${path}/${number}`);
    }
    if (answer.status === 404) missing.push(number);
    else assert.equal(answer.status, 200, `GET ${number}`);
  }
  assert.deepEqual(missing, [], 'acknowledged orders lost');
}

test('DynamoDB Local killed mid-push: a success or a 503 with Retry-After, the hub recovers, nothing acknowledged is lost', async () => {
  const stack = await stackOf({ inMemory: false });
  const key = await stack.createKey('erp', [FACILITY]);
  let java: number | null = null;
  const stored = new Set<string>();
  let unavailable = 0;
  let killed = false;
  let recovered = false;

  // Three clients push batches of five new orders, one after another, until the hub has
  // answered a push with success again after the kill.
  const pushers = [0, 1, 2].map(async (client) => {
    for (let n = 0; !recovered; n++) {
      const numbers = Array.from({ length: 5 }, (_, i) => `F${client}-${n}-${i}`);
      const answer = await call(stack, key, 'POST', path, orders(...numbers.map((x) => workOrder(x))));
      if (answer.status === 200) {
        for (const number of acknowledged(answer)) stored.add(number);
        // A success after the kill from the DynamoDB Local started again.
        if (killed && javaOf(stack) !== java) recovered = true;
      } else {
        assertUnavailable(answer, `push ${numbers[0]}`);
        unavailable++;
      }
    }
  });
  const deadline = Date.now() + RECOVERY_MS;
  const watchdog = (async () => {
    // Let some pushes through first, then kill DynamoDB Local while others are on their way.
    while (stored.size < 30) {
      assert.ok(Date.now() < deadline, 'pushes succeed before the kill');
      await sleep(20);
    }
    java = killDatabase(stack);
    killed = true;
    while (!recovered) {
      assert.ok(Date.now() < deadline, `the hub did not serve pushes again within ${RECOVERY_MS} ms:\n${stack.output()}`);
      assert.equal(stack.child.exitCode, null, `the hub exited:\n${stack.output()}`);
      await sleep(250);
    }
  })();
  await Promise.all([...pushers, watchdog]);

  assert.ok(unavailable > 0, 'some pushes met the database away (503)');
  assert.equal(stack.child.exitCode, null, 'the hub is still running');
  assert.match(stack.output(), /DynamoDB Local exited \(SIGKILL\); starting it again/);
  assert.ok(existsSync(join(stack.dataDir, 'local.json')), 'local.json stays while the hub runs');
  await assertAllThere(stack, key, stored);
});

test('a push acknowledged just before kill -9 of DynamoDB Local is there after the restart', async () => {
  const stack = await stackOf({ inMemory: false });
  const key = await stack.createKey('erp', [FACILITY]);
  // Three rounds: `npm start` restarts DynamoDB Local up to three times a minute.
  for (let round = 0; round < 3; round++) {
    const java = javaOf(stack);
    assert.ok(java, 'DynamoDB Local runs');
    const numbers = Array.from({ length: 50 }, (_, i) => `K${round}-${i}`);
    const answer = await call(stack, key, 'POST', path, orders(...numbers.map((x) => workOrder(x))));
    process.kill(java, 'SIGKILL');
    assert.equal(answer.status, 200);
    assert.equal(acknowledged(answer).length, 50);
    await awaitRecovery(stack, key, `${path}/${numbers[0]}`);
    await assertAllThere(stack, key, numbers);
  }
  assert.equal(stack.child.exitCode, null, 'the hub is still running');
});

test('DynamoDB Local in memory dies: the hub says its data is gone and stops cleanly', async () => {
  const stack = await stackOf({ inMemory: true });
  const instance = JSON.parse(readFileSync(join(stack.dataDir, 'local.json'), 'utf8')) as { pid: number };
  killDatabase(stack);
  assert.equal(await exitOf(stack, RECOVERY_MS), 1, `the hub stops with an error code:\n${stack.output()}`);
  assert.match(stack.output(), /DynamoDB Local exited \(SIGKILL\); it kept the table in memory/);
  assert.equal(existsSync(join(stack.dataDir, 'local.json')), false, 'local.json removed');
  assert.throws(() => process.kill(instance.pid, 0), 'the hub process is gone');
});

test('SIGTERM answers the request in flight before the hub stops', async () => {
  const stack = await stackOf({ inMemory: true });
  const key = await stack.createKey('erp', [FACILITY]);
  const body = Buffer.from(JSON.stringify(orders(workOrder('DRAIN-1'))));
  const url = new URL(path, stack.baseUrl);
  // The request's head and half its body are sent, so the hub is serving it; the rest follows the SIGTERM.
  const req = request(url, {
    method: 'POST',
    headers: { 'x-api-key': key, 'content-type': 'application/json', 'content-length': body.length },
  });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
  req.flushHeaders();
  req.write(body.subarray(0, body.length >> 1));
  await sleep(1000);
  stack.child.kill('SIGTERM');
  await sleep(500);
  assert.equal(stack.child.exitCode, null, 'the hub waits for the request in flight');
  req.end(body.subarray(body.length >> 1));

  const reply = await answer;
  assert.equal(reply.status, 200, reply.text);
  assert.equal(JSON.parse(reply.text).results[0].outcome, 'created');
  assert.equal(await exitOf(stack, ANSWER_MS), 0, 'a clean stop');
  assert.equal(existsSync(join(stack.dataDir, 'local.json')), false, 'local.json removed');
});
