/**
 * Polling never loses a work order (nor a component, served by the same poll): a bounded soak (concurrent writers, pollers with clocks
 * from 10 minutes behind to 10 minutes ahead, one losing answers, small pages), and a
 * 3,000-order backlog drained by a poller that ignores Link headers.
 */

import assert from 'node:assert/strict';
import { test } from 'vitest';
import { orders, workOrder } from '../support/documents.ts';
import { startStack } from '../support/local-stack.ts';
import { keyed, settled } from '../support/shared-stack.ts';
import { runSoak, type SoakKind, skewedPollers } from '../support/soak.ts';

const SETTLE_MS = 1000;

test('soak: every poller ends holding the final version of every order', async () => {
  const stack = await startStack({ env: { POLL_SETTLE_MS: String(SETTLE_MS), POLL_PAGE_SIZE: '40' } });
  try {
    const report = await runSoak(stack, {
      facility: 'SOAK',
      durationMs: 15_000,
      writers: 3,
      pollers: skewedPollers(1000),
      settleMs: SETTLE_MS,
      writerPauseMs: 100,
      minOrders: 51,
    });
    assert.deepEqual(report.writerErrors, []);
    assert.ok(report.orders > 50, `only ${report.orders} orders written`);
    for (const p of report.pollers) {
      assert.deepEqual(p.missing, [], `${p.name} never received ${p.missing.length} orders`);
      assert.deepEqual(p.stale, [], `${p.name} holds an old version of ${p.stale.length} orders`);
    }
    const right = report.pollers.find((p) => p.name === 'right clock')!;
    assert.ok(right.redelivery <= 1.5, `redelivery ratio ${right.redelivery.toFixed(2)}`);
  } finally {
    await stack.destroy();
  }
});

/** Components: upserts that rename (the marker) and deactivate, polled like orders. */
const COMPONENT_SOAK: SoakKind = {
  route: 'components',
  envelope: 'components',
  document: (number, { roll, marker }) => ({
    identifier: { agency: 'AssignedBySeller', number },
    name: marker,
    uom: 'KGM',
    active: roll < 85,
  }),
  numberOf: (doc) => doc.identifier.number,
  markerOf: (doc) => doc.name,
  isEnd: () => false,
  resultNumber: (result) => result.number,
  async truth(erp, facility) {
    const truth = new Map<string, { marker: string; end: boolean }>();
    let url: string | undefined = `/facility/${facility}/components`;
    while (url) {
      const r = await erp.get(url);
      if (r.status !== 200) throw new Error(`components: ${r.status}`);
      for (const c of r.body.components) truth.set(c.identifier.number, { marker: c.name, end: false });
      const next = /<([^>]+)>; rel="next"/.exec(r.headers.get('link') ?? '')?.[1];
      url = next ? new URL(next).pathname + new URL(next).search : undefined;
    }
    return truth;
  },
};

test('soak: every poller ends holding the final version of every component', async () => {
  const stack = await startStack({ env: { POLL_SETTLE_MS: String(SETTLE_MS), POLL_PAGE_SIZE: '40' } });
  try {
    const report = await runSoak(stack, {
      facility: 'SOAK-COMPONENTS',
      kind: COMPONENT_SOAK,
      durationMs: 8_000,
      writers: 3,
      pollers: skewedPollers(1000),
      settleMs: SETTLE_MS,
      writerPauseMs: 100,
      minOrders: 31,
    });
    assert.deepEqual(report.writerErrors, []);
    assert.ok(report.orders > 30, `only ${report.orders} components written`);
    for (const p of report.pollers) {
      assert.deepEqual(p.missing, [], `${p.name} never received ${p.missing.length} components`);
      assert.deepEqual(p.stale, [], `${p.name} holds an old version of ${p.stale.length} components`);
    }
  } finally {
    await stack.destroy();
  }
});

test('a backlog of 3,000 changed orders is drained in at most 20 polls by a poller that ignores links', async () => {
  const stack = await startStack({ env: { POLL_SETTLE_MS: '150' } });
  try {
    const f = 'DRAIN';
    const erp = await keyed(stack, 'erp', [f]);
    const pcs = await keyed(stack, 'pcs', [f]);
    const since = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 60; i++) {
      const r = await erp.post(
        `/facility/${f}/dispensingWorkorders`,
        orders(...Array.from({ length: 50 }, (_, j) => workOrder(`D-${i * 50 + j}`))),
      );
      assert.equal(r.status, 200);
    }
    await settled(stack);
    const got = new Set<string>();
    let last = since;
    let polls = 0;
    let largest = 0;
    while (got.size < 3000 && polls < 25) {
      const now = new Date().toISOString();
      const r = await pcs.get(`/facility/${f}/dispensingWorkorders?lastExecutionDateTime=${encodeURIComponent(last)}`);
      polls++;
      largest = Math.max(largest, r.text.length);
      for (const d of r.body.dispensingWorkOrder) got.add(d.workOrderIdentifier.number);
      last = now;
    }
    assert.equal(got.size, 3000);
    // Not a timing count: the backlog is settled before the first poll, so how many polls it
    // takes follows from the page size alone (250 a page, 3,000 orders: 12), whatever the load.
    assert.ok(polls <= 20, `${polls} polls`);
    assert.ok(largest < 5_000_000, `a response of ${largest} bytes`);
  } finally {
    await stack.destroy();
  }
});
