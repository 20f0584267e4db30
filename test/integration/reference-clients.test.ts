/**
 * The reference clients on the typed client (clients/typescript) against real local stacks:
 * the PCS command polls while the ERP pushes creates, updates and cancels, the hub is
 * restarted once in the middle on the same data, and the command ends holding the latest
 * version of every order; the ERP commands push a file and poll records.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, test } from 'vitest';
import { orders, workOrder } from '../support/documents.ts';
import { client, type LocalStack, ROOT, runNode, sleep, startStack } from '../support/local-stack.ts';
import { records, workRecord } from '../support/records.ts';
import { keyed, settled, sharedStack, waitUntil } from '../support/shared-stack.ts';

const temp = mkdtempSync(join(tmpdir(), 'mixticket-clients-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const CLI = { pcs: 'clients/typescript/src/pcs-cli.ts', erp: 'clients/typescript/src/erp-cli.ts' };

/** Runs a reference command to its end. */
const runCli = (cli: keyof typeof CLI, args: string[]) => runNode([CLI[cli], ...args]);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** What the poller logs when a poll fails and is retried (the hub was away). */
const OUTAGE = /retry \d+ in|failed, lastExecutionDateTime kept/;

/**
 * Every file under out/, by `<agency>/<number>`. While the poller runs (`writing`), a file it
 * is writing (a temp file before its rename) is skipped; once it stopped, any is an error.
 */
function held(out: string, { writing = false } = {}): Map<string, { workOrderType: string; groupDescription?: string }> {
  const found = new Map();
  if (!existsSync(out)) return found;
  for (const agency of readdirSync(out)) {
    for (const file of readdirSync(join(out, agency))) {
      if (writing && !file.endsWith('.json')) continue;
      assert.ok(file.endsWith('.json'), `only finished files: ${agency}/${file}`);
      found.set(`${agency}/${file.slice(0, -5)}`, JSON.parse(readFileSync(join(out, agency, file), 'utf8')));
    }
  }
  return found;
}

test('pcs poll: orders pushed while polling, the hub restarted once: it ends with the latest version of every order', {
  timeout: 300_000,
}, async () => {
  const dir = join(temp, 'restart');
  const out = join(dir, 'orders');
  const state = join(dir, 'state.json');
  const port = await freePort();
  // Small pages, so that backlogs are followed through Link: rel="next".
  const options = { dataDir: join(dir, 'data'), inMemory: false, port, env: { POLL_PAGE_SIZE: '7' } };
  let stack: LocalStack = await startStack(options);
  const facility = 'PLANT-RESTART';
  let pcs: ChildProcess | undefined;
  try {
    const erpKey = await stack.createKey('erp', [facility]);
    const pcsKey = await stack.createKey('pcs', [facility]);
    // A new client each time: `stack` is replaced by the restart.
    const erp = () => client(stack.baseUrl, erpKey);
    const push = async (...docs: ReturnType<typeof workOrder>[]) =>
      assert.equal((await erp().post(`/facility/${facility}/dispensingWorkorders`, orders(...docs))).status, 200);
    /** What each order should end as: its note, or cancelled. */
    const expected = new Map<string, string>();

    pcs = spawn(
      process.execPath,
      [
        CLI.pcs,
        'poll',
        '--url',
        stack.baseUrl,
        '--key',
        pcsKey,
        '--facility',
        facility,
        '--state',
        state,
        '--out',
        out,
        '--interval',
        '200ms',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    pcs.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    pcs.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((resolve) => pcs!.on('exit', (code) => resolve(code)));

    // The orders come while the poller polls: once it answered its first poll (a loaded machine
    // may take seconds to start it; had it first polled after the cancels, its initial load would
    // rightly leave the cancelled orders out).
    await waitUntil('the poller to poll', () => / poll PLANT-RESTART: \d+ documents? in/.test(log), 60_000);

    // Before the restart: 25 creates in waves, then updates of some, while the poller runs.
    for (let wave = 0; wave < 5; wave++) {
      const docs = Array.from({ length: 5 }, (_, i) => workOrder(`WO-${wave * 5 + i}`, { note: 'v1' }));
      await push(...docs);
      for (const d of docs) expected.set(d.workOrderIdentifier.number, 'v1');
      await sleep(150);
    }
    const updates = Array.from({ length: 10 }, (_, i) => workOrder(`WO-${i * 2}`, { type: 'update', note: 'v2' }));
    await push(...updates);
    for (const d of updates) expected.set(d.workOrderIdentifier.number, 'v2');

    // The hub goes away mid-stream and comes back on the same data and port, once the poller
    // has met the outage (however long that takes on a loaded machine).
    await stack.stop();
    const logBeforeOutage = log.length;
    await waitUntil('the poller to meet the outage', () => OUTAGE.test(log.slice(logBeforeOutage)), 60_000);
    stack = await startStack(options);

    // After the restart: more updates, a hold, new orders and cancels.
    const after = [
      ...Array.from({ length: 6 }, (_, i) => workOrder(`WO-${i * 4}`, { type: 'update', note: 'v3' })),
      workOrder('WO-3', { type: 'hold', note: 'held' }),
      ...Array.from({ length: 8 }, (_, i) => workOrder(`WO-NEW-${i}`, { note: 'v1' })),
    ];
    await push(...after);
    for (const d of after) expected.set(d.workOrderIdentifier.number, d.groupDescription!);
    await push(workOrder('WO-5', { type: 'cancel', note: 'v1' }), workOrder('WO-NEW-1', { type: 'cancel', note: 'v1' }));
    expected.set('WO-5', 'cancel');
    expected.set('WO-NEW-1', 'cancel');

    const matches = (writing = false) => {
      const files = held(out, { writing });
      if (files.size !== expected.size) return false;
      for (const [number, want] of expected) {
        const doc = files.get(`AssignedBySender/${number}`);
        if (!doc) return false;
        if (want === 'cancel' ? doc.workOrderType !== 'cancel' : doc.groupDescription !== want || doc.workOrderType === 'cancel')
          return false;
      }
      return true;
    };
    // Generous: on a loaded machine a restart and the poller's backoff take a while.
    await waitUntil('the latest version of every order', () => matches(true), 150_000).catch(() => undefined);
    assert.ok(
      matches(true),
      `the PCS holds the latest version of every order; it holds ${JSON.stringify([...held(out, { writing: true })].map(([k, v]) => [k, v.workOrderType, v.groupDescription]))}\n${log}`,
    );
    assert.equal(held(out, { writing: true }).get('AssignedBySender/WO-3')?.workOrderType, 'hold');

    // The poller survived the restart: still running until told to stop, and after the outage
    // it went on to poll documents (how many polls that took is the machine's business).
    assert.equal(pcs.exitCode, null, `the poller is still running\n${log}`);
    pcs.kill('SIGINT');
    assert.equal(await exited, 0, log);
    // Every order exactly once (one finished file each, none other), nothing lost.
    assert.deepEqual([...held(out).keys()].sort(), [...expected.keys()].map((n) => `AssignedBySender/${n}`).sort());
    const lines = log.trim().split('\n');
    const outage = lines.findIndex((l) => OUTAGE.test(l));
    assert.ok(
      outage >= 0 && lines.slice(outage).some((l) => / poll PLANT-RESTART: [1-9]\d* documents? in \d+ pages?/.test(l)),
      `documents were polled after the outage\n${log}`,
    );
    assert.ok(
      lines.some((l) => / pages\b/.test(l) && !/ 1 page/.test(l)),
      `a backlog was followed through Link: rel="next"\n${log}`,
    );
    assert.ok(
      lines.some((l) => OUTAGE.test(l)),
      `the outage was retried\n${log}`,
    );
    assert.match(lines.at(-1)!, /stopped$/);
    const saved = JSON.parse(readFileSync(state, 'utf8'));
    assert.ok(!Number.isNaN(Date.parse(saved.lastExecutionDateTime)), 'the state keeps lastExecutionDateTime');
    // No temp file left behind.
    for (const agency of readdirSync(out))
      assert.ok(readdirSync(join(out, agency)).every((f) => f.endsWith('.json') && !f.includes('.tmp')));
  } finally {
    if (pcs && pcs.exitCode === null) pcs.kill('SIGKILL');
    await stack.stop();
  }
});

test('pcs poll --once drains and exits 0; erp push FILE (either form) and erp records --once', async () => {
  const stack = sharedStack();
  const facility = `CLI-${process.pid}`;
  const erp = await keyed(stack, 'erp', [facility]);
  const pcs = await keyed(stack, 'pcs', [facility]);
  const [erpKey, pcsKey] = [erp.key, pcs.key];
  const connect = ['--url', stack.baseUrl, '--facility', facility];

  const pushed = await runCli('erp', [
    'push',
    join(ROOT, 'test', 'fixtures', 'legacy', 'work-order-single.json'),
    ...connect,
    '--key',
    erpKey,
  ]);
  assert.equal(pushed.code, 0, pushed.stderr);
  assert.equal(JSON.parse(pushed.stdout).results[0].outcome, 'created');
  const envelope = await runCli('erp', ['push', join(ROOT, 'test', 'fixtures', 'quickstart-orders.json'), ...connect, '--key', erpKey]);
  assert.equal(envelope.code, 0, envelope.stderr);
  const refused = await runCli('erp', ['push', join(ROOT, 'package.json'), ...connect, '--key', erpKey]);
  assert.equal(refused.code, 1, 'a refused push exits 1');
  assert.equal(JSON.parse(refused.stdout).type, 'urn:mixticket:problem:invalid-input');

  await settled(stack);
  const out = join(temp, 'once', 'orders');
  const poll = ['poll', ...connect, '--key', pcsKey, '--state', join(temp, 'once', 'pcs.json'), '--out', out, '--once'];
  const first = await runCli('pcs', poll);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual([...held(out).keys()].sort(), [
    'AssignedByOriginator/WO-260407-0115',
    'AssignedBySender/WO-1001',
    'AssignedBySender/WO-1002',
    'AssignedBySender/WO-1003',
  ]);
  assert.match(first.stdout, /sent lastExecutionDateTime=none/);

  const submitted = await pcs.post(`/facility/${facility}/dispensingWorkRecords`, records(workRecord('WR-CLI-1', { order: 'WO-1001' })));
  assert.equal(submitted.status, 200);
  await settled(stack);
  const recordsOut = join(temp, 'once', 'records');
  const got = await runCli('erp', [
    'records',
    ...connect,
    '--key',
    erpKey,
    '--state',
    join(temp, 'once', 'erp.json'),
    '--out',
    recordsOut,
    '--once',
  ]);
  assert.equal(got.code, 0, got.stderr);
  assert.equal(
    JSON.parse(readFileSync(join(recordsOut, 'AssignedBySender', 'WR-CLI-1.json'), 'utf8')).workRecordIdentifier.number,
    'WR-CLI-1',
  );

  const usage = await runCli('pcs', ['poll', '--url', stack.baseUrl]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /--key is required/);
});
