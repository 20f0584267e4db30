/**
 * The command-line tools as a user meets them (docs/api.md, "The reference commands"; the
 * contract's "The command-line tools"): the real CLIs run as child processes against the
 * integration tier's stack, against a closed port and against a stand-in hub that answers
 * 503 then 401. `--help` everywhere on stdout with exit 0; usage errors on stderr with exit 2;
 * failures on stderr naming the URL and the cause with exit 1; only what can succeed later is
 * retried, and --once gives up; erp push sends any file in requests of at most 50 documents
 * and says which were applied; keys list has a header; revoking twice says so.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, test } from 'vitest';
import { orders, workOrder } from '../support/documents.ts';
import { client, runNode } from '../support/local-stack.ts';
import { facilityNames, sharedStack } from '../support/shared-stack.ts';

const temp = mkdtempSync(join(tmpdir(), 'mixticket-cli-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const CLI = {
  pcs: 'clients/typescript/src/pcs-cli.ts',
  erp: 'clients/typescript/src/erp-cli.ts',
  keys: 'infra/keys-cli.ts',
  bench: 'test/bench/run.ts',
};
const stack = sharedStack();
const facilities = facilityNames('CLI-TOOLS');
/** Runs a CLI to its end (keys against the shared stack's data folder). */
const run = (cli: keyof typeof CLI, args: string[]) => runNode([CLI[cli], ...args], stack.env);
const CLOSED = 'http://127.0.0.1:1';

/** `count` valid orders WO-<prefix>-0 ...; `bad` indices get a workOrderType the schema refuses. */
function orderFile(name: string, prefix: string, count: number, bad: number[] = []): string {
  const docs = Array.from({ length: count }, (_, i) => workOrder(`WO-${prefix}-${i}`));
  for (const i of bad) (docs[i] as { workOrderType: string }).workOrderType = 'bogus';
  const file = join(temp, name);
  writeFileSync(file, JSON.stringify(orders(...docs), null, 2));
  return file;
}

/** Whether the hub holds order `number` at `facility`. */
async function holds(facility: string, key: string, number: string): Promise<boolean> {
  const got = await client(stack.baseUrl, key).get(`/facility/${facility}/dispensingWorkorders/${number}`);
  assert.ok(got.status === 200 || got.status === 404, `${number}: ${got.status} ${got.text}`);
  return got.status === 200;
}

const jsonLines = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));

test('every tool answers --help, help and COMMAND --help with its usage on stdout, exit 0', async () => {
  const cases: [keyof typeof CLI, string[]][] = [
    ['pcs', ['--help']],
    ['pcs', ['-h']],
    ['pcs', ['help']],
    ['pcs', ['poll', '--help']],
    ['erp', ['--help']],
    ['erp', ['help']],
    ['erp', ['push', '--help']],
    ['erp', ['records', '--help']],
    ['keys', ['--help']],
    ['keys', ['help']],
    ['keys', ['create', '--help']],
    ['keys', ['list', '--help']],
    ['keys', ['revoke', '--help']],
    ['bench', ['--help']],
    ['bench', ['help']],
  ];
  const results = await Promise.all(cases.map(([cli, args]) => run(cli, args)));
  results.forEach((r, i) => {
    const what = `${cases[i]![0]} ${cases[i]![1].join(' ')}`;
    assert.equal(r.code, 0, `${what}: ${r.stderr}`);
    assert.match(r.stdout, /usage/i, what);
    assert.equal(r.stderr, '', `${what} writes nothing on stderr`);
  });
  const bench = results.at(-2)!.stdout;
  for (const part of ['floor', 'poll', 'reports', 'consumption', 'stock', 'cold', 'load', 'soak', 'webhooks'])
    assert.match(bench, new RegExp(`^  ${part} `, 'm'), `bench --help lists ${part}`);
});

test('usage errors: a message on stderr, nothing on stdout, exit 2', async () => {
  const poll = ['--key', 'k', '--facility', 'F', '--state', join(temp, 's.json'), '--out', join(temp, 'o')];
  const cases: [keyof typeof CLI, string[], RegExp][] = [
    ['pcs', [], /a command is needed/],
    ['pcs', ['pull'], /unknown command pull/],
    ['pcs', ['poll', '--url', stack.baseUrl], /--key is required/],
    ['pcs', ['poll', '--url', stack.baseUrl, ...poll, 'stray'], /unexpected argument: stray/],
    ['pcs', ['poll', '--url', stack.baseUrl, ...poll, '--interval', 'soon'], /not a duration: soon/],
    ['pcs', ['poll', '--url', stack.baseUrl, ...poll, '--bogus'], /--bogus/],
    // A URL without a scheme is named.
    ['pcs', ['poll', '--url', '127.0.0.1:3000', ...poll, '--once'], /127\.0\.0\.1:3000.*missing scheme/],
    ['erp', ['push', '--url', 'localhost:3000', '--key', 'k', '--facility', 'F', 'f.json'], /localhost:3000.*missing scheme/],
    ['erp', [], /a command is needed/],
    ['erp', ['pull'], /unknown command pull/],
    ['erp', ['push', '--url', stack.baseUrl, '--key', 'k', '--facility', 'F'], /FILE is required/],
    ['erp', ['push', 'a.json', 'b.json', '--url', stack.baseUrl, '--key', 'k', '--facility', 'F'], /unexpected argument: b\.json/],
    ['keys', [], /a command is needed/],
    ['keys', ['rotate'], /unknown command rotate/],
    ['keys', ['create', '--role', 'erp', '--facility', 'F', 'extra', 'junk'], /unexpected arguments: extra junk/],
    ['keys', ['create', '--role', 'admin', '--facility', 'F'], /role/],
    ['keys', ['list', 'all'], /unexpected argument: all/],
    ['keys', ['list', '--role', 'erp'], /list takes no --role/],
    ['keys', ['list', '--bogus'], /--bogus/],
    ['keys', ['revoke'], /KEY_ID/],
    ['keys', ['revoke', 'aaaaaaaaaaaa', 'bbbbbbbbbbbb'], /unexpected argument/],
    ['bench', ['everything'], /unknown part everything/],
    ['bench', ['floor', 'extra'], /unexpected argument: extra/],
    ['bench', ['load', 'extra'], /unexpected argument: extra/],
    ['bench', ['load', '--seconds', 'soon'], /--seconds takes a positive number, got soon/],
    ['bench', ['load', '--rate'], /--rate takes a positive number, got nothing/],
  ];
  const results = await Promise.all(cases.map(([cli, args]) => run(cli, args)));
  results.forEach((r, i) => {
    const what = `${cases[i]![0]} ${cases[i]![1].join(' ')}`;
    assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, cases[i]![2], what);
    assert.match(r.stderr, /usage/, `${what}: the usage follows the message`);
    assert.equal(r.stdout, '', `${what} writes nothing on stdout`);
  });
  // The keys that a refused create would have made: none.
  assert.ok(!results.some((r) => /created/.test(r.stdout)));
});

test('a closed port: pcs poll --once and erp push retry, then give up within 90 s naming the URL and the cause (exit 1)', async () => {
  const file = orderFile('closed.json', 'CLOSED', 3);
  const started = Date.now();
  const [poll, push] = await Promise.all([
    run('pcs', [
      'poll',
      '--url',
      CLOSED,
      '--key',
      'k',
      '--facility',
      'F',
      '--state',
      join(temp, 'closed-state.json'),
      '--out',
      join(temp, 'closed'),
      '--once',
    ]),
    run('erp', ['push', file, '--url', CLOSED, '--key', 'k', '--facility', 'F']),
  ]);
  assert.ok(Date.now() - started < 90_000, 'both gave up within 90 s');
  for (const r of [poll, push]) {
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /http:\/\/127\.0\.0\.1:1\/facility\/F\/dispensingWorkorders.*connection refused/);
    assert.match(r.stderr, /retry 1 in/, 'a refused connection is retried');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
  assert.equal(poll.stdout, '', 'failures and retries go to stderr');
  assert.equal(push.stdout, '');
  assert.match(push.stderr, /not sent, not applied: request 1 of 1 \(documents 1-3: WO-CLOSED-0 \.\.\. WO-CLOSED-2\)/);
});

test("401 is not retried: pcs poll --once and erp push exit 1 at once with the URL and the hub's explanation", async () => {
  const facility = facilities.next();
  const file = orderFile('unauthorized.json', 'UNAUTH', 2);
  const bogus = 'mtk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
  const [poll, push] = await Promise.all([
    run('pcs', [
      'poll',
      '--url',
      stack.baseUrl,
      '--key',
      bogus,
      '--facility',
      facility,
      '--state',
      join(temp, 'u.json'),
      '--out',
      join(temp, 'u'),
      '--once',
    ]),
    run('erp', ['push', file, '--url', stack.baseUrl, '--key', bogus, '--facility', facility]),
  ]);
  for (const r of [poll, push]) {
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(`${stack.baseUrl}/facility/${facility}/dispensingWorkorders`), r.stderr);
    assert.match(r.stderr, /answered 401/);
    assert.doesNotMatch(r.stderr, /retry \d+ in/, 'a 401 is not retried');
  }
  assert.equal(poll.stdout, '');
  assert.match(push.stderr, /refused, not applied.*request 1 of 1/);
});

test('a 503 is retried (honouring Retry-After), the 401 after it is not', async () => {
  const seen: string[] = [];
  const hub = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    const problem = (status: number, title: string) => {
      res.writeHead(status, { 'content-type': 'application/problem+json', ...(status === 503 ? { 'retry-after': '1' } : {}) });
      res.end(JSON.stringify({ type: 'about:blank', title, status, detail: `stand-in ${status}` }));
    };
    if (seen.length === 1) problem(503, 'Service Unavailable');
    else problem(401, 'Unauthorized');
  });
  await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(hub.address() as { port: number }).port}`;
    const r = await run('pcs', [
      'poll',
      '--url',
      url,
      '--key',
      'k',
      '--facility',
      'F',
      '--state',
      join(temp, 'r.json'),
      '--out',
      join(temp, 'r'),
      '--once',
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(seen.length, 2, `one retry, then no more: ${seen.join(', ')}`);
    assert.match(r.stderr, /retry 1 in \d+ ms: .*answered 503 Service Unavailable: stand-in 503/);
    assert.match(r.stderr, /answered 401 Unauthorized: stand-in 401/);
  } finally {
    hub.close();
  }
});

test("erp push of 120 orders: 3 requests of at most 50, each answer on stdout in the file's terms, all applied", async () => {
  const facility = facilities.next();
  const key = await stack.createKey('erp', [facility]);
  const file = orderFile('120.json', 'BIG', 120);
  const r = await run('erp', ['push', file, '--url', stack.baseUrl, '--key', key, '--facility', facility]);
  assert.equal(r.code, 0, r.stderr);
  const answers = jsonLines(r.stdout);
  assert.equal(answers.length, 3, 'one answer per request');
  assert.deepEqual(
    answers.map((a) => a.results.length),
    [50, 50, 20],
  );
  assert.deepEqual(
    answers.flatMap((a) =>
      a.results.map((x: { index: number; workOrderNumber: string; outcome: string }) => [x.index, x.workOrderNumber, x.outcome]),
    ),
    Array.from({ length: 120 }, (_, i) => [i, `WO-BIG-${i}`, 'created']),
  );
  assert.match(r.stderr, /120 documents in 3 requests: 120 applied/);
  assert.match(r.stderr, /applied: request 1 of 3 \(documents 1-50: WO-BIG-0 \.\.\. WO-BIG-49\), request 2 of 3 \(documents 51-100/);
  assert.doesNotMatch(r.stderr, /\r/, 'no progress line when stderr is not a terminal');
  for (const n of [0, 50, 119]) assert.ok(await holds(facility, key, `WO-BIG-${n}`));

  // The same file again: every order unchanged (a push is safe to repeat).
  const again = await run('erp', ['push', file, '--url', stack.baseUrl, '--key', key, '--facility', facility]);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(jsonLines(again.stdout).every((a) => a.results.every((x: { outcome: string }) => x.outcome === 'unchanged')));
});

test('erp push stops at a refused request and says which documents were applied; --continue goes on and exits 1', async () => {
  // Document 61 (index 60, in request 2) is invalid.
  const file = orderFile('refused.json', 'REF', 120, [60]);

  const facility = facilities.next();
  const key = await stack.createKey('erp', [facility]);
  const r = await run('erp', ['push', file, '--url', stack.baseUrl, '--key', key, '--facility', facility]);
  assert.equal(r.code, 1, r.stderr);
  const answers = jsonLines(r.stdout);
  assert.equal(answers.length, 2, 'requests 1 and 2 were sent, 3 was not');
  assert.equal(answers[0].results.length, 50);
  assert.equal(answers[1].status, 400);
  assert.ok(
    answers[1].errors.some((e: { path: string }) => e.path.startsWith('/dispensingWorkOrder/60/')),
    `the error points at the file's document: ${JSON.stringify(answers[1].errors)}`,
  );
  assert.match(r.stderr, /request 2 of 3 \(documents 51-100: WO-REF-50 \.\.\. WO-REF-99\) refused: .*answered 400/);
  assert.match(r.stderr, /\/dispensingWorkOrder\/60\/workOrderType/);
  assert.match(r.stderr, /120 documents in 3 requests: 50 applied/);
  assert.match(r.stderr, / {2}applied: request 1 of 3 \(documents 1-50: WO-REF-0 \.\.\. WO-REF-49\)\n/);
  assert.match(r.stderr, /refused, not applied .*: request 2 of 3 \(documents 51-100/);
  assert.match(r.stderr, /not sent, not applied: request 3 of 3 \(documents 101-120: WO-REF-100 \.\.\. WO-REF-119\)/);
  assert.deepEqual(await Promise.all(['WO-REF-0', 'WO-REF-49', 'WO-REF-50', 'WO-REF-100'].map((n) => holds(facility, key, n))), [
    true,
    true,
    false,
    false,
  ]);

  const other = facilities.next();
  const otherKey = await stack.createKey('erp', [other]);
  const c = await run('erp', ['push', file, '--url', stack.baseUrl, '--key', otherKey, '--facility', other, '--continue']);
  assert.equal(c.code, 1, 'a refused request makes the whole push exit 1');
  assert.equal(jsonLines(c.stdout).length, 3, 'request 3 was sent after the refusal');
  assert.match(c.stderr, /120 documents in 3 requests: 70 applied/);
  assert.match(c.stderr, /applied: request 1 of 3 .*, request 3 of 3 \(documents 101-120/);
  assert.deepEqual(await Promise.all(['WO-REF-0', 'WO-REF-50', 'WO-REF-119'].map((n) => holds(other, otherKey, n))), [true, false, true]);
});

test('erp push: a missing file and a file that is not JSON are failures named in words (exit 1)', async () => {
  const connect = ['--url', stack.baseUrl, '--key', 'k', '--facility', 'F'];
  const missing = await run('erp', ['push', join(temp, 'nothing-here.json'), ...connect]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read .*nothing-here\.json: no such file/);
  const notJson = join(temp, 'not.json');
  writeFileSync(notJson, '{"dispensingWorkOrder": [');
  const bad = await run('erp', ['push', notJson, ...connect]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /not\.json is not JSON/);
  for (const r of [missing, bad]) {
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('keys list prints a header row; revoking a revoked key says so; an unknown key is a failure', async () => {
  const facility = facilities.next();
  const key = await stack.createKey('pcs', [facility], ['--name', 'CLI test key']);
  const keyId = key.split('_')[1]!;

  const list = await stack.keys(['list']);
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^KEY ID\s+ROLE\s+FACILITIES\s+FORMAT\s+TIME ZONE\s+CREATED\s+LAST USED\s+STATE\s+NAME$/);
  const row = lines.find((l) => l.startsWith(keyId));
  assert.ok(row, list.stdout);
  assert.match(row, new RegExp(`^${keyId}\\s+pcs\\s+${facility}\\s+canonical\\s+-\\s+\\S+\\s+never\\s+active\\s+CLI test key$`));

  const first = await stack.keys(['revoke', keyId]);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`^revoked ${keyId}`, 'm'));
  const second = await stack.keys(['revoke', keyId]);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, new RegExp(`${keyId} was already revoked at \\d{4}-\\d\\d-\\d\\dT`));
  const listed = JSON.parse((await stack.keys(['list', '--json'])).stdout) as { keyId: string; revokedAt: string | null }[];
  assert.ok(second.stdout.includes(listed.find((k) => k.keyId === keyId)!.revokedAt!), 'the time of the first revoke is kept');

  const unknown = await stack.keys(['revoke', 'ffffffffffff']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /no key ffffffffffff/);
  assert.equal(unknown.stdout, '');
});
