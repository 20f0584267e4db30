import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { identityKey } from '../../functions/domain/documents.ts';
import { HubError } from '../../functions/domain/errors.ts';
import {
  decideOrderChange,
  type ErpChange,
  INACTIVE_STATUSES,
  type OrderOutcome,
  type OrderState,
  type OrderStatus,
  planOrderBatch,
  servedOrder,
} from '../../functions/domain/work-orders.ts';
import { AGENCY, FACILITY, orderDoc, orderState, T0 } from './helpers/work-orders.ts';

type Decision = ReturnType<typeof decideOrderChange>;

function changed(d: Decision): { outcome: OrderOutcome; next: OrderState } {
  if ('error' in d) assert.fail(`expected a change, got ${d.error.kind}: ${d.error.message}`);
  if (!d.next) assert.fail(`expected a new state, got outcome ${d.outcome} without one`);
  return { outcome: d.outcome, next: d.next };
}

function unchanged(d: Decision): void {
  if ('error' in d) assert.fail(`expected unchanged, got ${d.error.kind}: ${d.error.message}`);
  assert.equal(d.outcome, 'unchanged');
  assert.equal(d.next, undefined);
}

function failed(d: Decision): HubError {
  if (!('error' in d)) assert.fail(`expected an error, got outcome ${d.outcome}`);
  assert.ok(d.error instanceof HubError);
  return d.error;
}

function thrown(fn: () => unknown): HubError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof HubError, `expected a HubError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a HubError to be thrown');
}

const LATER = T0 + 60_000;

describe('decideOrderChange: create', () => {
  test('a create of an unknown order creates it at revision 1, open, stamped now', () => {
    // Prepare
    const doc = orderDoc({ type: 'create' });

    // Act
    const { outcome, next } = changed(decideOrderChange(undefined, doc, FACILITY, T0));

    // Assess
    assert.equal(outcome, 'created');
    assert.deepEqual(next, {
      facilityId: FACILITY,
      agency: AGENCY,
      number: 'WO-2026-0415',
      doc,
      status: 'open',
      revision: 1,
      version: 0,
      lastErpChange: 'create',
      createdAt: T0,
      modifiedAt: T0,
      updatedAt: T0,
      reportsComplete: true,
    });
  });

  test('an identical create of an existing order is unchanged (a safe retry)', () => {
    const current = orderState(orderDoc({ type: 'create' }));

    const decision = decideOrderChange(current, orderDoc({ type: 'create' }), FACILITY, LATER);

    unchanged(decision);
  });

  test('a create differing only in header and workOrderType is unchanged: they are not content', () => {
    const current = orderState(orderDoc({ type: 'update', documentId: 'envelope-1' }), { lastErpChange: 'update' });

    const decision = decideOrderChange(current, orderDoc({ type: 'create', documentId: 'envelope-2' }), FACILITY, LATER);

    unchanged(decision);
  });

  test('a create with other content for an existing order is a conflict (409)', () => {
    const current = orderState(orderDoc({ pounds: 16000 }));

    const error = failed(decideOrderChange(current, orderDoc({ type: 'create', pounds: 17000 }), FACILITY, LATER));

    assert.equal(error.kind, 'conflict');
    assert.match(error.message, /WO-2026-0415/);
  });
});

describe('decideOrderChange: update', () => {
  test('an update of an unknown order is not-found (404)', () => {
    const error = failed(decideOrderChange(undefined, orderDoc({ type: 'update' }), FACILITY, T0));

    assert.equal(error.kind, 'not-found');
  });

  test('an update with new content is updated: revision +1, status open, the new doc stored', () => {
    const current = orderState(orderDoc({ pounds: 16000 }), { revision: 4 });
    const doc = orderDoc({ type: 'update', pounds: 17000 });

    const { outcome, next } = changed(decideOrderChange(current, doc, FACILITY, LATER));

    assert.equal(outcome, 'updated');
    assert.equal(next.revision, 5);
    assert.equal(next.status, 'open');
    assert.equal(next.lastErpChange, 'update');
    assert.equal(next.doc, doc);
  });

  test('an update keeps identity, createdAt and the read version, and stamps modifiedAt and updatedAt now', () => {
    const current = orderState(orderDoc({ pounds: 16000 }), { version: 7 });

    const { next } = changed(decideOrderChange(current, orderDoc({ type: 'update', pounds: 1 }), FACILITY, LATER));

    assert.equal(next.facilityId, FACILITY);
    assert.equal(next.agency, AGENCY);
    assert.equal(next.number, 'WO-2026-0415');
    assert.equal(next.createdAt, T0);
    assert.equal(next.version, 7);
    assert.equal(next.modifiedAt, LATER);
    assert.equal(next.updatedAt, LATER);
  });

  test('an identical update of an open order is unchanged', () => {
    const current = orderState(orderDoc({ type: 'update' }), { lastErpChange: 'update', revision: 2 });

    unchanged(decideOrderChange(current, orderDoc({ type: 'update' }), FACILITY, LATER));
  });

  test('an update of a held order is updated and reopens it, even with identical content', () => {
    const current = orderState(orderDoc({ type: 'hold' }), { status: 'onHold', lastErpChange: 'hold', revision: 2 });

    const { outcome, next } = changed(decideOrderChange(current, orderDoc({ type: 'update' }), FACILITY, LATER));

    assert.equal(outcome, 'updated');
    assert.equal(next.status, 'open');
    assert.equal(next.revision, 3);
  });

  test('an update clears the acknowledgement: new content must be acknowledged again', () => {
    const current = orderState(orderDoc({ pounds: 16000 }), {
      status: 'accepted',
      acknowledgement: { status: 'accepted', at: '2026-04-02T12:00:05.000Z' },
    });

    const { next } = changed(decideOrderChange(current, orderDoc({ type: 'update', pounds: 17000 }), FACILITY, LATER));

    assert.equal(next.acknowledgement, undefined);
    assert.equal(next.status, 'open');
  });

  test('an identical update of an accepted order is a safe retry: unchanged, acknowledgement kept', () => {
    const current = orderState(orderDoc({ type: 'update' }), {
      status: 'accepted',
      lastErpChange: 'update',
      revision: 2,
      acknowledgement: { status: 'accepted' },
    });

    unchanged(decideOrderChange(current, orderDoc({ type: 'update' }), FACILITY, LATER));
  });

  test('modifiedAt never goes backwards: a clock behind the stored modifiedAt stamps it +1 ms', () => {
    const stored = T0 + 5_000;
    const current = orderState(orderDoc({ pounds: 16000 }), { modifiedAt: stored, updatedAt: stored });

    const { next } = changed(decideOrderChange(current, orderDoc({ type: 'update', pounds: 1 }), FACILITY, T0));

    assert.equal(next.modifiedAt, stored + 1);
  });

  test('modifiedAt moves +1 ms when now equals the stored modifiedAt, so the position is new', () => {
    const current = orderState(orderDoc({ pounds: 16000 }), { modifiedAt: T0, updatedAt: T0 });

    const { next } = changed(decideOrderChange(current, orderDoc({ type: 'update', pounds: 1 }), FACILITY, T0));

    assert.equal(next.modifiedAt, T0 + 1);
  });

  test('updatedAt never goes backwards when the clock is behind the stored updatedAt', () => {
    const stored = T0 + 5_000;
    const current = orderState(orderDoc({ pounds: 16000 }), { updatedAt: stored });

    const { next } = changed(decideOrderChange(current, orderDoc({ type: 'update', pounds: 1 }), FACILITY, T0));

    assert.ok(next.updatedAt >= stored, `updatedAt ${next.updatedAt} went back before ${stored}`);
  });
});

describe('decideOrderChange: hold', () => {
  test('a hold of an unknown order is not-found', () => {
    assert.equal(failed(decideOrderChange(undefined, orderDoc({ type: 'hold' }), FACILITY, T0)).kind, 'not-found');
  });

  test('a hold of an open order is held: status onHold, revision +1, latest change hold', () => {
    const current = orderState(orderDoc());

    const { outcome, next } = changed(decideOrderChange(current, orderDoc({ type: 'hold' }), FACILITY, LATER));

    assert.equal(outcome, 'held');
    assert.equal(next.status, 'onHold');
    assert.equal(next.revision, 2);
    assert.equal(next.lastErpChange, 'hold');
  });

  test('an identical hold of a held order is unchanged', () => {
    const current = orderState(orderDoc({ type: 'hold' }), { status: 'onHold', lastErpChange: 'hold', revision: 2 });

    unchanged(decideOrderChange(current, orderDoc({ type: 'hold' }), FACILITY, LATER));
  });

  test('a hold of a held order with new content is held again at the next revision', () => {
    const current = orderState(orderDoc({ type: 'hold', pounds: 1 }), { status: 'onHold', revision: 2 });

    const { outcome, next } = changed(decideOrderChange(current, orderDoc({ type: 'hold', pounds: 2 }), FACILITY, LATER));

    assert.equal(outcome, 'held');
    assert.equal(next.revision, 3);
  });
});

describe('decideOrderChange: cancel', () => {
  test('a cancel of an unknown order is not-found', () => {
    assert.equal(failed(decideOrderChange(undefined, orderDoc({ type: 'cancel' }), FACILITY, T0)).kind, 'not-found');
  });

  test('a cancel of an open order is cancelled: status cancelled, revision +1', () => {
    const current = orderState(orderDoc());

    const { outcome, next } = changed(decideOrderChange(current, orderDoc({ type: 'cancel' }), FACILITY, LATER));

    assert.equal(outcome, 'cancelled');
    assert.equal(next.status, 'cancelled');
    assert.equal(next.revision, 2);
    assert.equal(next.lastErpChange, 'cancel');
  });

  test('a cancel of a held order is cancelled', () => {
    const current = orderState(orderDoc({ type: 'hold' }), { status: 'onHold' });

    assert.equal(changed(decideOrderChange(current, orderDoc({ type: 'cancel' }), FACILITY, LATER)).outcome, 'cancelled');
  });

  test('a cancel of a cancelled order is unchanged', () => {
    const current = orderState(orderDoc({ type: 'cancel' }), { status: 'cancelled', lastErpChange: 'cancel' });

    unchanged(decideOrderChange(current, orderDoc({ type: 'cancel' }), FACILITY, LATER));
  });

  test('a cancel of a cancelled order is unchanged even when its content differs', () => {
    const current = orderState(orderDoc({ type: 'cancel', pounds: 1 }), { status: 'cancelled' });

    unchanged(decideOrderChange(current, orderDoc({ type: 'cancel', pounds: 2 }), FACILITY, LATER));
  });

  for (const change of ['update', 'hold'] as const) {
    test(`a ${change} of a cancelled order is a conflict`, () => {
      const current = orderState(orderDoc({ type: 'cancel' }), { status: 'cancelled', lastErpChange: 'cancel' });

      const error = failed(decideOrderChange(current, orderDoc({ type: change, pounds: 99 }), FACILITY, LATER));

      assert.equal(error.kind, 'conflict');
    });
  }
});

describe('decideOrderChange: orders the PCS has started', () => {
  const locked: OrderStatus[] = ['inProgress', 'complete'];
  const changes: ErpChange[] = ['update', 'hold', 'cancel'];
  for (const status of locked) {
    for (const change of changes) {
      test(`a ${change} of a ${status} order is a conflict`, () => {
        const current = orderState(orderDoc(), { status });

        const error = failed(decideOrderChange(current, orderDoc({ type: change, pounds: 99 }), FACILITY, LATER));

        assert.equal(error.kind, 'conflict');
        assert.match(error.message, new RegExp(status));
      });
    }
  }
});

describe('planOrderBatch', () => {
  const idOf = (number: string) => identityKey(AGENCY, number);

  test('results keep request order, each with its index, number, agency, outcome and revision', () => {
    const existing = orderState(orderDoc({ number: 'WO-B' }), { revision: 3 });
    const current = new Map([[idOf('WO-B'), existing]]);
    const docs = [
      orderDoc({ number: 'WO-C', type: 'create' }),
      orderDoc({ number: 'WO-B', type: 'hold' }),
      orderDoc({ number: 'WO-A', type: 'create' }),
    ];

    const plan = planOrderBatch(docs, current, FACILITY, LATER);

    assert.deepEqual(plan.results, [
      { index: 0, workOrderNumber: 'WO-C', agency: AGENCY, outcome: 'created', revision: 1 },
      { index: 1, workOrderNumber: 'WO-B', agency: AGENCY, outcome: 'held', revision: 4 },
      { index: 2, workOrderNumber: 'WO-A', agency: AGENCY, outcome: 'created', revision: 1 },
    ]);
  });

  test('one failing document fails the whole batch with a HubError naming its index', () => {
    const docs = [orderDoc({ number: 'WO-1' }), orderDoc({ number: 'WO-2', type: 'update' })];

    const error = thrown(() => planOrderBatch(docs, new Map(), FACILITY, T0));

    assert.deepEqual(
      error.errors?.map((e) => e.path),
      ['/dispensingWorkOrder/1'],
    );
    assert.match(error.message, /Nothing in this request was applied/);
  });

  test('every failing document is listed by its index path; any conflict makes the kind conflict', () => {
    const current = new Map([[idOf('WO-X'), orderState(orderDoc({ number: 'WO-X', pounds: 1 }))]]);
    const docs = [
      orderDoc({ number: 'WO-1' }),
      orderDoc({ number: 'WO-2', type: 'update' }),
      orderDoc({ number: 'WO-3' }),
      orderDoc({ number: 'WO-X', type: 'create', pounds: 2 }),
    ];

    const error = thrown(() => planOrderBatch(docs, current, FACILITY, T0));

    assert.equal(error.kind, 'conflict');
    assert.deepEqual(
      error.errors?.map((e) => e.path),
      ['/dispensingWorkOrder/1', '/dispensingWorkOrder/3'],
    );
  });

  test('a batch failing only on unknown orders is not-found', () => {
    const docs = [orderDoc({ number: 'WO-1', type: 'cancel' }), orderDoc({ number: 'WO-2', type: 'hold' })];

    const error = thrown(() => planOrderBatch(docs, new Map(), FACILITY, T0));

    assert.equal(error.kind, 'not-found');
    assert.equal(error.errors?.length, 2);
  });

  test('error paths start with the pointer given (e.g. a bare array body)', () => {
    const error = thrown(() => planOrderBatch([orderDoc({ type: 'update' })], new Map(), FACILITY, T0, ''));

    assert.equal(error.errors?.[0]?.path, '/0');
  });

  test('a create then an update of the same new order gives both results and one write expecting version 0', () => {
    const docs = [orderDoc({ type: 'create', pounds: 1 }), orderDoc({ type: 'update', pounds: 2 })];

    const plan = planOrderBatch(docs, new Map(), FACILITY, T0);

    assert.deepEqual(
      plan.results.map((r) => [r.index, r.outcome, r.revision]),
      [
        [0, 'created', 1],
        [1, 'updated', 2],
      ],
    );
    assert.equal(plan.writes.length, 1);
    assert.equal(plan.writes[0]?.expectedVersion, 0);
    assert.equal(plan.writes[0]?.next.doc, docs[1]);
    assert.equal(plan.writes[0]?.next.createdAt, T0);
  });

  test('two changes of one existing order make one write expecting the version it was read at', () => {
    const current = new Map([[idOf('WO-2026-0415'), orderState(orderDoc(), { version: 9 })]]);
    const docs = [orderDoc({ type: 'update', pounds: 5 }), orderDoc({ type: 'hold', pounds: 5 })];

    const plan = planOrderBatch(docs, current, FACILITY, LATER);

    assert.equal(plan.writes.length, 1);
    assert.equal(plan.writes[0]?.expectedVersion, 9);
    assert.equal(plan.writes[0]?.next.status, 'onHold');
    assert.equal(plan.writes[0]?.next.revision, 3);
  });

  test('unchanged documents produce no writes', () => {
    const current = new Map([[idOf('WO-2026-0415'), orderState(orderDoc())]]);

    const plan = planOrderBatch([orderDoc({ type: 'create' })], current, FACILITY, LATER);

    assert.deepEqual(
      plan.results.map((r) => r.outcome),
      ['unchanged'],
    );
    assert.deepEqual(plan.writes, []);
  });

  test('only the orders a batch changes are written', () => {
    const current = new Map([
      [idOf('WO-A'), orderState(orderDoc({ number: 'WO-A' }), { version: 2 })],
      [idOf('WO-B'), orderState(orderDoc({ number: 'WO-B' }), { version: 4 })],
    ]);
    const docs = [orderDoc({ number: 'WO-A' }), orderDoc({ number: 'WO-B', type: 'cancel' })];

    const plan = planOrderBatch(docs, current, FACILITY, LATER);

    assert.deepEqual(
      plan.writes.map((w) => [w.next.number, w.expectedVersion, w.next.status]),
      [['WO-B', 4, 'cancelled']],
    );
  });

  test('the current states passed in are left as they were', () => {
    const state = orderState(orderDoc());
    const current = new Map([[idOf('WO-2026-0415'), state]]);
    const before = structuredClone(state);

    planOrderBatch([orderDoc({ type: 'hold' })], current, FACILITY, LATER);

    assert.equal(current.get(idOf('WO-2026-0415')), state);
    assert.deepEqual(state, before);
  });
});

describe('servedOrder', () => {
  const WINDOW_START = T0 + 10_000;

  test('a cancelled order is served as cancel, even when created inside the window', () => {
    const state = orderState(orderDoc({ type: 'cancel' }), {
      status: 'cancelled',
      lastErpChange: 'cancel',
      createdAt: WINDOW_START + 1,
    });

    assert.equal(servedOrder(state, WINDOW_START).workOrderType, 'cancel');
  });

  test('on the initial load (no window start) every order is served as create', () => {
    const state = orderState(orderDoc({ type: 'hold' }), { status: 'onHold', lastErpChange: 'hold' });

    assert.equal(servedOrder(state, null).workOrderType, 'create');
  });

  test('an order created inside the window is served as create, its later update notwithstanding', () => {
    const state = orderState(orderDoc({ type: 'update' }), { lastErpChange: 'update', createdAt: WINDOW_START + 5 });

    assert.equal(servedOrder(state, WINDOW_START).workOrderType, 'create');
  });

  test('an order created exactly at the window start counts as created inside it', () => {
    const state = orderState(orderDoc({ type: 'update' }), { lastErpChange: 'update', createdAt: WINDOW_START });

    assert.equal(servedOrder(state, WINDOW_START).workOrderType, 'create');
  });

  test('an order created before the window and updated since is served as update', () => {
    const state = orderState(orderDoc({ type: 'update' }), { lastErpChange: 'update', createdAt: WINDOW_START - 1 });

    assert.equal(servedOrder(state, WINDOW_START).workOrderType, 'update');
  });

  test('an order created before the window and held since is served as hold', () => {
    const state = orderState(orderDoc({ type: 'hold' }), {
      status: 'onHold',
      lastErpChange: 'hold',
      createdAt: WINDOW_START - 1,
    });

    assert.equal(servedOrder(state, WINDOW_START).workOrderType, 'hold');
  });

  test('the served order is the stored document with only workOrderType set: no hub bookkeeping added', () => {
    const doc = orderDoc({ type: 'update' });
    const state = orderState(doc, {
      lastErpChange: 'update',
      status: 'accepted',
      revision: 7,
      acknowledgement: { status: 'accepted' },
      createdAt: WINDOW_START - 1,
    });

    const served = servedOrder(state, WINDOW_START);

    assert.deepEqual(served, { ...structuredClone(doc), workOrderType: 'update' });
  });

  test('serving an order leaves the stored document as it was', () => {
    const doc = orderDoc({ type: 'update' });
    const state = orderState(doc, { lastErpChange: 'update', createdAt: WINDOW_START + 1 });

    servedOrder(state, WINDOW_START);

    assert.equal(doc.workOrderType, 'update');
  });
});

describe('INACTIVE_STATUSES', () => {
  test('the initial load leaves out exactly the cancelled and complete orders', () => {
    assert.deepEqual([...INACTIVE_STATUSES].sort(), ['cancelled', 'complete']);
  });
});
