/** The activity log: what is kept of a refusal, the per-minute sample, pages and cursors (in memory). */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { HubError } from '../../functions/domain/errors.ts';
import {
  activityCursor,
  minuteOf,
  openActivityCursor,
  type RefusedRequest,
  refusalOf,
  sampledOut,
} from '../../functions/domain/refusals.ts';
import { type ActivityPorts, readActivity } from '../../functions/use-cases/refused-requests.ts';

const problem = (errors: number) => ({
  type: 'urn:mixticket:problem:invalid-input',
  title: 'Invalid input',
  status: 400,
  detail: 'x'.repeat(5000),
  errors: Array.from({ length: errors }, (_, i) => ({ path: `/dispensingWorkOrder/${i}`, message: 'is required' })),
});
const req = { at: '2026-06-01T12:00:01.000Z', requestId: 'r1', keyId: 'k1', method: 'POST', route: '/facility/{facilityId}/x' };

describe('refusalOf', () => {
  test('keeps the problem with at most 20 errors and a bounded detail; no body', () => {
    const entry = refusalOf(problem(150), req, 20);
    assert.equal(entry.problem.errors?.length, 20);
    assert.ok(entry.problem.detail.length <= 1000);
    assert.equal(entry.status, 400);
    assert.deepEqual(Object.keys(entry).sort(), ['at', 'keyId', 'method', 'problem', 'requestId', 'route', 'status']);
    assert.equal(refusalOf({ ...problem(0), errors: [] }, req, 20).problem.errors, undefined);
  });

  test('the sample: a minute over 60 leaves out the rest, counted', () => {
    assert.equal(minuteOf('2026-06-01T12:34:56.789Z'), '2026-06-01T12:34');
    assert.equal(sampledOut(61, 60), 1);
    assert.equal(sampledOut(12, 60), 0);
  });

  test('cursors: its own round-trip, anything else a 400', () => {
    const sk = 'EV#2026-06-01T12:00:01.000Z#abc=';
    assert.equal(openActivityCursor(activityCursor(sk)), sk);
    assert.throws(
      () => openActivityCursor('bm90IG91cnM'),
      (e: unknown) => e instanceof HubError && e.kind === 'invalid-input',
    );
  });
});

describe('readActivity', () => {
  function memory(entries: RefusedRequest[], perMinute: Record<string, number>): ActivityPorts {
    const sorted = entries.map((e) => ({ ...e, sk: `EV#${e.at}#${e.requestId}` })).sort((a, b) => (a.sk < b.sk ? 1 : -1));
    return {
      page: async (_f, { limit, after }) => {
        const rest = sorted.filter((e) => after === undefined || e.sk < after);
        return { entries: rest.slice(0, limit), more: rest.length > limit };
      },
      counts: async () => Object.entries(perMinute).map(([minute, n]) => ({ minute, n })),
      keyInfo: async (ids) => new Map(ids.map((id) => [id, { name: `name of ${id}`, role: 'pcs' as const, revoked: false }])),
    };
  }

  test('newest first, paged by cursor, with key names (null for a 401) and the count sampled out', async () => {
    const entries = Array.from({ length: 5 }, (_, i) =>
      refusalOf(problem(1), { ...req, at: `2026-06-01T12:00:0${i}.000Z`, requestId: `r${i}`, keyId: i === 0 ? null : 'k1' }, 20),
    );
    const ports = memory(entries, { '2026-06-01T12:00': 75 });
    const first = await readActivity(ports, 'F', { limit: '3' }, 60);
    assert.deepEqual(
      first.events.map((e) => e.requestId),
      ['r4', 'r3', 'r2'],
    );
    assert.equal(first.events[0]!.keyName, 'name of k1');
    assert.equal(first.sampledOut, 15);
    assert.ok(first.next);
    const second = await readActivity(ports, 'F', { limit: '3', cursor: first.next! }, 60);
    assert.deepEqual(
      second.events.map((e) => [e.requestId, e.keyId, e.keyName]),
      [
        ['r1', 'k1', 'name of k1'],
        ['r0', null, null],
      ],
    );
    assert.equal(second.next, null);
    await assert.rejects(readActivity(ports, 'F', { limit: '0' }, 60), (e: unknown) => e instanceof HubError && e.kind === 'invalid-input');
  });
});
