/**
 * The operator view end to end (issue 28's done-when scenario), public API only, on a stack of
 * its own: POLLER_SILENT_AFTER=5s (so a poller goes silent within a test) and a short retry
 * schedule (so a delivery is dead-lettered within one). Two PCS keys poll a facility and one
 * stops; the pollers route and the overview tell them apart; a refused push is in the activity
 * log with its problem; a failing webhook's dead letter is in the facility's deliveries and a
 * replay delivers it; an operator key's poll is a 403 that moves no one's position.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { hasChromium, launchChromium, openHubPage } from '../support/chromium.ts';
import { orders, workOrder } from '../support/documents.ts';
import { client, type LocalStack, ROOT, sleep, startStack } from '../support/local-stack.ts';
import { assertProblem } from '../support/problems.ts';
import { records, workRecord } from '../support/records.ts';
import { type KeyedClient, keyed, waitUntil } from '../support/shared-stack.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';

const F = 'OPS-1';
const OTHER = 'OPS-2';
const SILENT_AFTER_MS = 5000;

let stack: LocalStack;
let erp: KeyedClient;
let pcsA: KeyedClient;
let pcsB: KeyedClient;
let operator: KeyedClient;
let receiver: Receiver;

beforeAll(async () => {
  stack = await startStack({ env: { POLLER_SILENT_AFTER: '5s', WEBHOOK_RETRY_SCHEDULE: '1s,1s' } });
  [erp, pcsA, pcsB, operator] = await Promise.all([
    keyed(stack, 'erp', [F, OTHER], ['--name', 'Northfield ERP']),
    keyed(stack, 'pcs', [F], ['--name', 'Blender A']),
    keyed(stack, 'pcs', [F], ['--name', 'Blender B']),
    keyed(stack, 'operator', ['*'], ['--name', 'Ops desk']),
  ]);
  receiver = await startReceiver();
}, 180_000);
afterAll(async () => {
  await receiver?.stop();
  await stack?.destroy();
});

const poll = (c: KeyedClient, since: string) =>
  c.get(`/facility/${F}/dispensingWorkorders?lastExecutionDateTime=${encodeURIComponent(since)}`);
type PollerRow = { keyId: string; keyName: string; kind: string; state: string; servedUpTo: string | null; lastPollAt: string };
const keyIdOf = (c: KeyedClient) => c.key.split('_')[1]!;

describe('the operator view', () => {
  test('two PCS poll, one stops: the pollers route shows one live and one silent; an operator poll is a 403 that moves nothing', async () => {
    const pushed = await erp.post(`/facility/${F}/dispensingWorkorders`, orders(workOrder('OPS-WO-1')));
    assert.equal(pushed.status, 200, pushed.text);
    const start = new Date(Date.now() - 60_000).toISOString();
    assert.equal((await poll(pcsA, start)).status, 200);
    assert.equal((await poll(pcsB, start)).status, 200);

    // A keeps polling (once a second); B has stopped.
    const until = Date.now() + SILENT_AFTER_MS + 1500;
    let since = new Date().toISOString();
    while (Date.now() < until) {
      await sleep(1000);
      const next = new Date().toISOString();
      assert.equal((await poll(pcsA, since)).status, 200);
      since = next;
    }
    const view = await operator.get(`/facility/${F}/pollers`);
    assert.equal(view.status, 200, view.text);
    const rows = view.body.pollers as PollerRow[];
    const a = rows.find((r) => r.keyId === keyIdOf(pcsA));
    const b = rows.find((r) => r.keyId === keyIdOf(pcsB));
    assert.deepEqual([a?.state, a?.keyName, a?.kind], ['live', 'Blender A', 'dispensingWorkOrder'], JSON.stringify(rows));
    assert.deepEqual([b?.state, b?.keyName], ['silent', 'Blender B'], JSON.stringify(rows));
    assert.equal(rows.length, 2, 'one row per key and kind that polled');

    // The overview counts them (its counters trail the stream by a moment).
    type Health = { facilityId: string; pollers: Record<string, number>; openOrders: number; lastOrderChangeAt: string | null };
    const overview = await waitUntil('the overview to count the facility', async () => {
      const r = await operator.get('/facilities');
      assert.equal(r.status, 200, r.text);
      const mine = (r.body.facilities as Health[]).find((x) => x.facilityId === F);
      return mine && mine.openOrders === 1 ? mine : null;
    });
    assert.deepEqual(overview.pollers, { live: 1, behind: 0, silent: 1 });
    assert.ok(overview.lastOrderChangeAt);
    const scoped = await erp.get('/facilities');
    assert.deepEqual(
      (scoped.body.facilities as Health[]).map((x) => x.facilityId),
      [F, OTHER],
    );
    assertProblem(await pcsA.get('/facilities'), 403);

    // The operator may look, never poll: 403, and no one's position moved.
    assertProblem(await poll(operator, start), 403);
    assertProblem(await operator.get(`/facility/${F}/dispensingWorkorders`), 403);
    assertProblem(await operator.get(`/facility/${F}/components`), 403);
    const after = (await operator.get(`/facility/${F}/pollers`)).body.pollers as PollerRow[];
    assert.deepEqual(after.map((r) => [r.keyId, r.servedUpTo]).sort(), rows.map((r) => [r.keyId, r.servedUpTo]).sort());
    assert.ok(!after.some((r) => r.keyId === keyIdOf(operator)));
    // What it may do: read an order, and nothing it may not: push.
    assert.equal((await operator.get(`/facility/${F}/dispensingWorkorders/OPS-WO-1`)).status, 200);
    assertProblem(await operator.post(`/facility/${F}/dispensingWorkorders`, orders(workOrder('OPS-WO-2'))), 403);
  });

  test('a refused push is in the activity log with its problem; a request without a key too, with keyId null', async () => {
    const bad = await erp.post(`/facility/${F}/dispensingWorkorders`, { dispensingWorkOrder: [{ nonsense: true }] });
    assertProblem(bad, 400);
    const anonymous = await client(stack.baseUrl).get(`/facility/${F}/pollers`);
    assertProblem(anonymous, 401);
    const log = await waitUntil('both refusals in the activity log', async () => {
      const r = await operator.get(`/facility/${F}/activity`);
      assert.equal(r.status, 200, r.text);
      const events = r.body.events as { requestId: string }[];
      const ids = [bad.headers.get('x-request-id'), anonymous.headers.get('x-request-id')];
      return ids.every((id) => events.some((e) => e.requestId === id)) ? r.body : null;
    });
    const push = log.events.find((e: { requestId: string }) => e.requestId === bad.headers.get('x-request-id'));
    assert.deepEqual(
      {
        keyId: push.keyId,
        keyName: push.keyName,
        method: push.method,
        route: push.route,
        status: push.status,
        type: push.problem.type,
        detail: push.problem.detail,
      },
      {
        keyId: keyIdOf(erp),
        keyName: 'Northfield ERP',
        method: 'POST',
        route: '/facility/{facilityId}/dispensingWorkorders',
        status: 400,
        type: bad.body.type,
        detail: bad.body.detail,
      },
    );
    assert.deepEqual(push.problem.errors, bad.body.errors.slice(0, 20));
    const none = log.events.find((e: { requestId: string }) => e.requestId === anonymous.headers.get('x-request-id'));
    assert.deepEqual([none.keyId, none.keyName, none.status], [null, null, 401]);
    // Newest first; another facility's log does not hold them.
    assert.ok(log.events[0].at >= log.events.at(-1).at);
    const other = await operator.get(`/facility/${OTHER}/activity`);
    assert.deepEqual(other.body.events, []);
  });
});

describe("keys' last use", () => {
  test('keys list shows when each key was last used (at most 5 minutes stale); a key never used says never', async () => {
    const unused = await stack.createKey('pcs', [F], ['--name', 'Spare blender']);
    const listed = JSON.parse((await stack.keys(['list', '--json'])).stdout) as { keyId: string; lastUsedAt: string | null }[];
    const used = listed.find((k) => k.keyId === keyIdOf(pcsA))!;
    assert.ok(used.lastUsedAt && Date.now() - Date.parse(used.lastUsedAt) < 5 * 60_000, JSON.stringify(used));
    assert.equal(listed.find((k) => k.keyId === unused.split('_')[1])!.lastUsedAt, null);
    const text = (await stack.keys(['list'])).stdout;
    assert.match(text, /LAST USED/);
    assert.match(text, new RegExp(`^${keyIdOf(pcsA)}\\s.*\\s${used.lastUsedAt}\\s+active\\s+Blender A$`, 'm'));
  });
});

describe('deliveries across subscriptions', () => {
  test("a failing webhook's dead letter is in the facility's deliveries; the operator's replay delivers it", async () => {
    receiver.answer = () => ({ status: 500 });
    const sub = await pcsA.post(`/facility/${F}/subscriptions`, { url: receiver.url, events: 'dispensingWorkOrder' });
    assert.equal(sub.status, 201, sub.text);
    receiver.secrets.push(sub.body.secret);
    const { subscriptionId } = sub.body;
    assert.equal((await erp.post(`/facility/${F}/dispensingWorkorders`, orders(workOrder('OPS-DL-1')))).status, 200);

    const dead = await waitUntil('a dead letter in the facility deliveries', async () => {
      const r = await operator.get(`/facility/${F}/deliveries?status=failed`);
      assert.equal(r.status, 200, r.text);
      return r.body.deliveries.find((d: { subscriptionId: string }) => d.subscriptionId === subscriptionId) ?? null;
    });
    assert.equal(dead.status, 'failed');
    assert.equal(dead.attempts.length, 3, 'the first attempt and two retries (1s,1s)');
    const view = await operator.get(`/facility/${F}/pollers`);
    const health = view.body.subscriptions.find((s: { subscriptionId: string }) => s.subscriptionId === subscriptionId);
    assert.deepEqual([health.failedDeliveries, health.keyName], [1, 'Blender A']);

    receiver.answer = () => ({ status: 204 });
    const replay = await operator.post(`/facility/${F}/subscriptions/${subscriptionId}/replay`, {
      since: dead.changesSince ?? dead.createdAt,
    });
    assert.equal(replay.status, 202, replay.text);
    await waitUntil('the dead letter delivered again', () =>
      receiver.accepted().some((d) => d.json.dispensingWorkOrder.some((o: any) => o.workOrderIdentifier.number === 'OPS-DL-1')),
    );
    // The operator may not make, rotate or remove subscriptions.
    assertProblem(await operator.post(`/facility/${F}/subscriptions`, { url: receiver.url, events: 'dispensingWorkOrder' }), 403);
    assertProblem(await operator.post(`/facility/${F}/subscriptions/${subscriptionId}/rotateSecret`, {}), 403);
    assertProblem(await operator.call('DELETE', `/facility/${F}/subscriptions/${subscriptionId}`), 403);
  }, 90_000);
});

/** Where the console's screenshots are kept (test artifacts, not committed; docs/operations.md shows where). */
const SHOTS = join(ROOT, 'test', 'artifacts', 'console');

describe('the console', () => {
  test.skipIf(!hasChromium())(
    'in headless Chromium: shows what the API answers (a silent poller as silent), and its replay button redelivers a dead letter',
    async () => {
      mkdirSync(SHOTS, { recursive: true });
      // A keeps polling while the console looks; B stays silent.
      let polling = true;
      const loop = (async () => {
        let since = new Date().toISOString();
        while (polling) {
          const next = new Date().toISOString();
          await poll(pcsA, since);
          since = next;
          await sleep(1000);
        }
      })();
      // A fresh dead letter for the replay button.
      receiver.answer = () => ({ status: 500 });
      const sub = await pcsA.post(`/facility/${F}/subscriptions`, { url: receiver.url, events: 'dispensingWorkOrder' });
      receiver.secrets.push(sub.body.secret);
      const { subscriptionId } = sub.body;
      assert.equal((await erp.post(`/facility/${F}/dispensingWorkorders`, orders(workOrder('OPS-DL-2')))).status, 200);
      await waitUntil('a dead letter of the new subscription', async () => {
        const r = await operator.get(`/facility/${F}/deliveries?status=failed`);
        return r.body.deliveries.some((d: { subscriptionId: string }) => d.subscriptionId === subscriptionId);
      });

      // A component the plant has no stock of: the record below takes it negative, and the console marks it.
      const component = await erp.post(`/facility/${F}/components`, {
        components: [{ identifier: { agency: 'AssignedBySeller', number: 'P-DAP' }, name: 'DAP', uom: 'LBR', active: true }],
      });
      assert.equal(component.status, 200, component.text);
      // A record that took from a lot, for the trace search.
      const lotted = workRecord('OPS-R-LOT', { order: 'OPS-WO-1', status: 'complete' });
      lotted.productGroup[0]!.product[0]!.sourceContainer = [
        {
          identifier: [{ agency: 'AssignedBySender', number: 'TOTE-1' }],
          capacity: { value: 2000, uom: 'LBR', agency: 'UN_REC_20' },
          actualQuantity: { value: 12.5, uom: 'LBR', agency: 'UN_REC_20' },
          lotIdentifier: { agency: 'AssignedBySeller', number: 'OPS-LOT-1' },
        },
      ] as never;
      const submitted = await pcsA.post(`/facility/${F}/dispensingWorkRecords`, records(lotted));
      assert.equal(submitted.status, 200, submitted.text);

      type StockRow = { component: { number: string }; quantity: { value: number } };
      const negative = await waitUntil('the record counted in stock', async () => {
        const rows = (await operator.get(`/facility/${F}/stock`)).body.stock as StockRow[];
        const below = rows.filter((r) => Number(r.quantity.value) < 0).map((r) => r.component.number);
        return below.length > 0 ? below : null;
      });

      const browser = await launchChromium();
      try {
        const { page, requests, errors, policy } = await openHubPage(browser, `${stack.baseUrl}/console`);
        assert.match(policy, /connect-src 'self'/);

        await page.fill('#key', operator.key);
        await page.click('#key-form button[type=submit]');
        const row = page.locator(`tr[data-facility="${F}"]`);
        await row.waitFor({ state: 'visible' });
        assert.equal(await row.locator('.badge').getAttribute('data-state'), 'silent', 'a facility with a silent poller is marked');
        assert.equal(await page.evaluate(() => sessionStorage.getItem('mixticket.console.key')), operator.key);
        assert.equal(await page.evaluate(() => localStorage.length), 0, 'the key is in session storage only');
        await page.screenshot({ path: join(SHOTS, 'facilities.png'), fullPage: true });

        await row.locator('a').click();
        await page.locator('#pollers tbody tr[data-key]').first().waitFor({ state: 'visible' });
        const api = (await operator.get(`/facility/${F}/pollers`)).body.pollers as PollerRow[];
        const shown = await page
          .locator('#pollers tbody tr[data-key]')
          .evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-key'), r.querySelector('.badge')?.getAttribute('data-state')]));
        assert.deepEqual(shown.sort(), api.map((p) => [p.keyId, p.state]).sort(), 'the page shows the states the API answers');
        assert.ok(shown.some(([k, s]) => k === keyIdOf(pcsB) && s === 'silent'));
        assert.ok(shown.some(([k, s]) => k === keyIdOf(pcsA) && s === 'live'));
        // The refused push of the activity test, with its problem.
        await page.locator('#activity tbody tr[data-request]').first().waitFor({ state: 'visible' });
        // biome-ignore lint/performance/useDomNodeTextContent: what the operator sees
        assert.match(await page.locator('#activity').innerText(), /Invalid input/);
        // Stock: the rows below zero are the ones marked.
        const marked = await page
          .locator('#stock tbody tr[data-negative]')
          .evaluateAll((rows) => rows.map((r) => r.querySelector('td')?.textContent));
        assert.deepEqual(marked.sort(), negative.sort(), 'the page marks the components the API answers below zero');
        await page.screenshot({ path: join(SHOTS, 'facility.png'), fullPage: true });

        // The lot trace search shows the records the trace route answers.
        await page.fill('#trace-lot', 'OPS-LOT-1');
        await page.click('#trace-form button[type=submit]');
        await page.locator('#trace-affected tbody tr[data-record]').first().waitFor({ state: 'visible' });
        const traced = (await operator.get(`/facility/${F}/trace?lot=OPS-LOT-1`)).body as {
          affected: { workRecord: { number: string } }[];
        };
        const listed = await page
          .locator('#trace-affected tbody tr[data-record]')
          .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-record')));
        assert.deepEqual(
          listed,
          traced.affected.map((r) => r.workRecord.number),
          'the page lists what the trace answers',
        );
        assert.deepEqual(listed, ['OPS-R-LOT']);
        // biome-ignore lint/performance/useDomNodeTextContent: what the operator sees
        assert.doesNotMatch(await page.locator('#trace-result').innerText(), /\bnull\b|undefined/);
        await page.screenshot({ path: join(SHOTS, 'lot-trace.png'), fullPage: true });

        receiver.answer = () => ({ status: 204 });
        await page.locator(`tr[data-subscription="${subscriptionId}"] button.replay`).click();
        await page.locator('#status', { hasText: 'replay' }).waitFor({ state: 'visible' });
        await waitUntil('the dead letter delivered again by the console', () =>
          receiver.accepted().some((d) => d.json.dispensingWorkOrder.some((o: any) => o.workOrderIdentifier.number === 'OPS-DL-2')),
        );
        await page.waitForLoadState('networkidle');
        const outside = requests.filter((u) => new URL(u).hostname !== '127.0.0.1');
        assert.deepEqual(outside, [], 'no request leaves 127.0.0.1');
        assert.deepEqual(errors, []);
      } finally {
        await browser.close();
        polling = false;
        await loop;
      }
    },
    120_000,
  );
});
