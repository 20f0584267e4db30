/**
 * The typed client's poller (clients/typescript/src/poller.ts) against a fake hub: the time of
 * the previous successful poll is sent, a failed poll keeps it, Link: rel="next" is followed,
 * 429 and 5xx are retried with jittered backoff, other 4xx are not; files are written atomically.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, test } from 'vitest';
import { createClient } from '../../clients/typescript/src/client.ts';
import { documentPath, safeName, writeFileAtomic } from '../../clients/typescript/src/files.ts';
import { createPoller, nextLink, PollError, type PollState } from '../../clients/typescript/src/poller.ts';

const dir = mkdtempSync(join(tmpdir(), 'mixticket-poller-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | Error;
/** A fake fetch answering `replies` in order and recording the URLs asked. */
function fakeHub(replies: Reply[]) {
  const urls: string[] = [];
  const fetch = (async (url: string) => {
    urls.push(url);
    const r = replies.shift();
    if (!r) throw new Error('no more replies');
    if (r instanceof Error) throw r;
    const type = r.status >= 400 ? 'application/problem+json' : 'application/json';
    return new Response(JSON.stringify(r.body ?? {}), { status: r.status, headers: { 'content-type': type, ...r.headers } });
  }) as typeof globalThis.fetch;
  return { urls, client: createClient({ baseUrl: 'http://hub.test/', apiKey: 'k', fetch }) };
}
const memoryState = (initial: PollState | null = null) => {
  let s = initial;
  return {
    load: async () => s,
    save: async (n: PollState) => {
      s = n;
    },
    get: () => s,
  };
};
const problem = (status: number) => ({ type: 'urn:mixticket:problem:x', title: 't', status, detail: `d${status}` });
const doc = (n: string) => ({ workOrderIdentifier: { agency: 'AssignedBySender', number: n } });
const clock =
  (...times: string[]) =>
  () =>
    new Date(times.shift() ?? '2030-01-01T00:00:00Z');

test('sends the start of the previous successful poll, follows rel="next", hands over every document', async () => {
  const hub = fakeHub([
    {
      status: 200,
      body: { dispensingWorkOrder: [doc('1'), doc('2')] },
      headers: { link: '<http://hub.test/facility/F/dispensingWorkorders?cursor=c1>; rel="next"' },
    },
    { status: 200, body: { dispensingWorkOrder: [doc('3')] } },
    { status: 200, body: { dispensingWorkOrder: [] } },
  ]);
  const state = memoryState();
  const seen: string[] = [];
  const poller = createPoller({
    client: hub.client,
    operation: 'pollWorkOrders',
    facilityId: 'F',
    state,
    onDocument: (d) => void seen.push(d.workOrderIdentifier.number),
    now: clock('2026-05-01T10:00:00.000Z', '2026-05-01T10:00:10.000Z'),
  });
  const first = await poller.poll();
  assert.deepEqual([first.documents, first.pages, first.sent], [3, 2, null]);
  assert.deepEqual(seen, ['1', '2', '3']);
  assert.equal(hub.urls[0], 'http://hub.test/facility/F/dispensingWorkorders?format=canonical');
  assert.equal(hub.urls[1], 'http://hub.test/facility/F/dispensingWorkorders?cursor=c1');
  assert.equal(state.get()?.lastExecutionDateTime, '2026-05-01T10:00:00.000Z');
  await poller.poll();
  assert.equal(
    hub.urls[2],
    'http://hub.test/facility/F/dispensingWorkorders?format=canonical&lastExecutionDateTime=2026-05-01T10%3A00%3A00.000Z',
  );
  assert.equal(state.get()?.lastExecutionDateTime, '2026-05-01T10:00:10.000Z');
});

test('retries 429, 5xx and network errors with jittered backoff; a failed poll keeps the old time', async () => {
  const hub = fakeHub([
    { status: 503, body: problem(503) },
    new TypeError('fetch failed'),
    { status: 429, body: problem(429), headers: { 'retry-after': '0' } },
    { status: 200, body: { dispensingWorkOrder: [doc('1')] } },
    { status: 500, body: problem(500) },
    { status: 500, body: problem(500) },
    { status: 400, body: problem(400) },
  ]);
  const state = memoryState({ lastExecutionDateTime: '2026-05-01T09:00:00.000Z' });
  const waits: number[] = [];
  const poller = createPoller({
    client: hub.client,
    operation: 'pollWorkOrders',
    facilityId: 'F',
    state,
    onDocument: () => undefined,
    retry: { attempts: 4, baseMs: 8, maxMs: 20 },
    random: () => 0.5,
    onRetry: ({ waitMs }) => void waits.push(waitMs),
    now: clock('2026-05-01T10:00:00.000Z', '2026-05-01T11:00:00.000Z', '2026-05-01T12:00:00.000Z'),
  });
  assert.equal((await poller.poll()).documents, 1);
  assert.deepEqual(waits, [4, 8, 10], 'half of min(max, base·2^n): full jitter with random() = 0.5');
  assert.equal(state.get()?.lastExecutionDateTime, '2026-05-01T10:00:00.000Z');
  await assert.rejects(poller.poll(), (e: PollError) => e instanceof PollError && e.status === 400, 'a 400 is not retried');
  assert.equal(state.get()?.lastExecutionDateTime, '2026-05-01T10:00:00.000Z', 'kept after a failed poll');
  assert.ok(hub.urls.at(-1)!.includes('lastExecutionDateTime=2026-05-01T10%3A00%3A00.000Z'));
});

test('Link parsing, safe file names, atomic writes', async () => {
  assert.equal(nextLink('<https://h/x?cursor=a>; rel="next"'), 'https://h/x?cursor=a');
  assert.equal(nextLink('<https://h/p>; rel="prev", <https://h/n>; rel="next"'), 'https://h/n');
  assert.equal(nextLink('<https://h/p>; rel="prev"'), null);
  assert.equal(nextLink(null), null);
  assert.equal(safeName('..'), '%2E%2E');
  assert.equal(safeName('a/b\\c'), 'a%2Fb%5Cc');
  const file = documentPath(dir, { agency: 'AssignedBySender', number: '../../etc/passwd' });
  assert.ok(file.startsWith(join(dir, 'AssignedBySender')), file);
  await writeFileAtomic(file, '{"v":1}');
  await writeFileAtomic(file, '{"v":2}');
  assert.equal(readFileSync(file, 'utf8'), '{"v":2}');
  assert.deepEqual(readdirSync(join(dir, 'AssignedBySender')), ['..%2F..%2Fetc%2Fpasswd.json']);
});
