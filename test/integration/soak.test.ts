/**
 * Polling never loses a work order: a bounded soak (concurrent writers, pollers with clocks
 * from 10 minutes behind to 10 minutes ahead, one losing answers, small pages), and a
 * 3,000-order backlog drained by a poller that ignores Link headers.
 */

import assert from 'node:assert/strict';
import { test } from 'vitest';
import { orders, workOrder } from '../support/documents.ts';
import { client, startStack } from '../support/local-stack.ts';
import { runSoak, skewedPollers } from '../support/soak.ts';

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

test('a backlog of 3,000 changed orders is drained in at most 20 polls by a poller that ignores links', async () => {
  const stack = await startStack({ env: { POLL_SETTLE_MS: '150' } });
  try {
    const f = 'DRAIN';
    const erp = client(stack.baseUrl, await stack.createKey('erp', [f]));
    const pcs = client(stack.baseUrl, await stack.createKey('pcs', [f]));
    const since = new Date(Date.now() - 1000).toISOString();
    for (let i = 0; i < 60; i++) {
      const r = await erp.post(
        `/facility/${f}/dispensingWorkorders`,
        orders(...Array.from({ length: 50 }, (_, j) => workOrder(`D-${i * 50 + j}`))),
      );
      assert.equal(r.status, 200);
    }
    await new Promise((r) => setTimeout(r, 300));
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
    assert.ok(polls <= 20, `${polls} polls`);
    assert.ok(largest < 5_000_000, `a response of ${largest} bytes`);
  } finally {
    await stack.destroy();
  }
});
