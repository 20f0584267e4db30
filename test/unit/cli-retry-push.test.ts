/**
 * The pieces under the reference commands (clients/typescript/src/retry.ts, push.ts, cli.ts):
 * retries bounded by time and stopped by what cannot succeed later, failures in words, a file
 * split into requests of at most 50 with its numbers as written, answers in the file's terms,
 * a --url without a scheme refused.
 */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { hubUrl, parseDuration, UsageError } from '../../clients/typescript/src/cli.ts';
import { inFileTerms, splitFile, summary } from '../../clients/typescript/src/push.ts';
import { describeTransportError, GaveUp, isRetryableTransportError, RetryLater, withRetries } from '../../clients/typescript/src/retry.ts';

const refused = () =>
  Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });

test('failures in words; what cannot succeed later is not retried', () => {
  assert.equal(describeTransportError(refused()), 'connection refused');
  assert.equal(describeTransportError(Object.assign(new Error('getaddrinfo ENOTFOUND x'), { code: 'ENOTFOUND' })), 'host not found');
  const aggregate = new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })], 'all failed');
  assert.equal(describeTransportError(aggregate), 'connection refused');
  assert.equal(describeTransportError(new DOMException('The operation timed out', 'TimeoutError')), 'timed out');
  assert.equal(isRetryableTransportError(refused()), true);
  assert.equal(isRetryableTransportError(Object.assign(new Error('x'), { code: 'ENOTFOUND' })), false);
  assert.equal(isRetryableTransportError(Object.assign(new Error('x'), { code: 'CERT_HAS_EXPIRED' })), false);
});

test('withRetries: retries transport errors and RetryLater, gives up by tries or by time, rethrows anything else', async () => {
  let tries = 0;
  const waits: number[] = [];
  const value = await withRetries(
    async () => {
      tries++;
      if (tries === 1) throw refused();
      if (tries === 2) return new RetryLater('503', 503);
      return 'ok';
    },
    { retry: { baseMs: 4 }, random: () => 1, onRetry: ({ waitMs }) => void waits.push(waitMs) },
  );
  assert.equal(value, 'ok');
  assert.deepEqual(waits, [4, 8]);

  await assert.rejects(
    withRetries(async () => new RetryLater('still 503', 503), { retry: { attempts: 3, baseMs: 1 } }),
    (e: GaveUp) => e instanceof GaveUp && e.tries === 3 && e.retryable && /still 503 \(gave up after 3 tries/.test(e.message),
  );
  // Bounded by time, however many tries are allowed.
  const started = Date.now();
  await assert.rejects(
    withRetries(
      async () => {
        throw refused();
      },
      { retry: { attempts: Number.POSITIVE_INFINITY, baseMs: 20, maxMs: 40, giveUpAfterMs: 300 } },
    ),
    (e: GaveUp) => e instanceof GaveUp && e.reason === 'connection refused',
  );
  assert.ok(Date.now() - started < 5_000);
  // A Retry-After beyond the time left ends at once.
  await assert.rejects(
    withRetries(async () => new RetryLater('429', 429, 60_000), { retry: { giveUpAfterMs: 1_000 } }),
    (e: GaveUp) => e.tries === 1,
  );
  let other = 0;
  await assert.rejects(
    withRetries(async () => {
      other++;
      throw new RangeError('a bug');
    }),
    RangeError,
  );
  assert.equal(other, 1, 'not a transport error: not retried');
});

test('splitFile: requests of at most 50, the form kept, numbers as written', () => {
  const doc = (i: number) =>
    `{"workOrderIdentifier":{"agency":"AssignedBySender","number":"WO-${i}"},"q":123456789.123456789012,"big":1e400}`;
  const docs = Array.from({ length: 120 }, (_, i) => doc(i));
  const envelope = splitFile(`{"dispensingWorkOrder":[${docs.join(',')}],"note":"x"}`);
  assert.equal(envelope.documents, 120);
  assert.deepEqual(
    envelope.batches.map((b) => [b.number, b.from, b.to, b.orders[0], b.orders.at(-1)]),
    [
      [1, 0, 50, 'WO-0', 'WO-49'],
      [2, 50, 100, 'WO-50', 'WO-99'],
      [3, 100, 120, 'WO-100', 'WO-119'],
    ],
  );
  assert.ok(envelope.batches[0]!.body.startsWith('{"dispensingWorkOrder":['));
  assert.ok(envelope.batches[0]!.body.includes('"q":123456789.123456789012,"big":1e400'), 'numbers copied as written');
  assert.ok(envelope.batches[2]!.body.endsWith('],"note":"x"}'), "the envelope's other members go with every request");
  const bare = splitFile(`[${docs.slice(0, 51).join(',')}]`);
  assert.deepEqual(
    bare.batches.map((b) => b.to - b.from),
    [50, 1],
  );
  assert.ok(bare.batches[1]!.body.startsWith('[{'));
  const legacy = splitFile(
    `{"DispensingWorkOrder":[${Array.from({ length: 60 }, (_, i) => `{"WorkOrderIdentifier":{"Number":"L-${i}"}}`).join(',')}]}`,
  );
  assert.equal(legacy.batches[1]!.orders[0], 'L-50');
  assert.ok(legacy.batches[1]!.body.startsWith('{"DispensingWorkOrder":['));
  // Up to 50, or a shape the hub must judge: the text as it is.
  const small = '{ "dispensingWorkOrder": [ {"n": 1.50} ] }';
  assert.equal(splitFile(small).batches[0]!.body, small);
  assert.equal(splitFile('{"name": "package"}').documents, null);
  assert.throws(() => splitFile('{"dispensingWorkOrder": ['), SyntaxError);
});

test('answers in the file terms, and the account of a push', () => {
  assert.deepEqual(
    inFileTerms(
      {
        results: [{ index: 0 }, { index: 1 }],
        errors: [{ path: '/dispensingWorkOrder/3/workOrderType' }, { path: '/7' }, { path: '/dispensingWorkOrder' }],
      },
      50,
    ),
    {
      results: [{ index: 50 }, { index: 51 }],
      errors: [{ path: '/dispensingWorkOrder/53/workOrderType' }, { path: '/57' }, { path: '/dispensingWorkOrder' }],
    },
  );
  const { batches } = splitFile(`[${Array.from({ length: 120 }, (_, i) => `{"workOrderIdentifier":{"number":"W${i}"}}`).join(',')}]`);
  const lines = summary(
    [
      { batch: batches[0]!, state: 'applied', answer: {} },
      { batch: batches[1]!, state: 'refused', status: 400, answer: {}, message: '' },
      { batch: batches[2]!, state: 'skipped' },
    ],
    120,
  );
  assert.deepEqual(lines, [
    '120 documents in 3 requests: 50 applied',
    '  applied: request 1 of 3 (documents 1-50: W0 ... W49)',
    '  refused, not applied (a request applies all its documents or none): request 2 of 3 (documents 51-100: W50 ... W99)',
    '  not sent, not applied: request 3 of 3 (documents 101-120: W100 ... W119)',
  ]);
});

test('--url needs a scheme; durations', () => {
  assert.throws(
    () => hubUrl('127.0.0.1:3000'),
    (e: Error) => e instanceof UsageError && /127\.0\.0\.1:3000: not a URL: missing scheme/.test(e.message),
  );
  assert.throws(() => hubUrl('localhost:3000'), /missing scheme/);
  assert.throws(() => hubUrl('ftp://h'), /not an http or https URL/);
  assert.equal(hubUrl('https://hub.example.com/base'), 'https://hub.example.com/base');
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('2m'), 120_000);
  assert.throws(() => parseDuration('soon'), UsageError);
});

test('a poll that fails after handing over pages is continued from the page it failed on, with its own window', async () => {
  const { createClient } = await import('../../clients/typescript/src/client.ts');
  const { createPoller, PollError } = await import('../../clients/typescript/src/poller.ts');
  const urls: string[] = [];
  const replies: (Response | Error)[] = [
    new Response(JSON.stringify({ dispensingWorkOrder: [{ workOrderIdentifier: { number: '1' } }] }), {
      status: 200,
      headers: { 'content-type': 'application/json', link: '<http://hub.test/f?cursor=c2>; rel="next"' },
    }),
    refused(),
    new Response(JSON.stringify({ dispensingWorkOrder: [{ workOrderIdentifier: { number: '2' } }] }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    }),
  ];
  const fetch = (async (url: string) => {
    urls.push(url);
    const r = replies.shift()!;
    if (r instanceof Error) throw r;
    return r;
  }) as typeof globalThis.fetch;
  let saved: string | null = null;
  const times = ['2026-05-01T10:00:00.000Z', '2026-05-01T11:00:00.000Z'];
  const poller = createPoller({
    client: createClient({ baseUrl: 'http://hub.test', apiKey: 'k', fetch }),
    operation: 'pollWorkOrders',
    facilityId: 'F',
    state: {
      load: async () => null,
      save: async (s) => {
        saved = s.lastExecutionDateTime;
      },
    },
    onDocument: () => undefined,
    retry: { attempts: 1 },
    now: () => new Date(times.shift()!),
  });
  await assert.rejects(poller.poll(), (e: InstanceType<typeof PollError>) => e.retryable && /connection refused/.test(e.message));
  assert.equal(saved, null);
  const second = await poller.poll();
  assert.equal(urls[2], 'http://hub.test/f?cursor=c2', 'the next poll goes on from the failed page');
  assert.deepEqual([second.documents, second.pages, second.sent], [2, 2, null]);
  assert.equal(saved, '2026-05-01T10:00:00.000Z', "the interrupted poll's start is the next lastExecutionDateTime");
});
