/**
 * The role matrix: for every route of the route table and every kind of key (erp, pcs,
 * operator; scoped to the facility, to another one, and to every facility `*`), whether the
 * route's own check lets it through — held to the contract's route table (API.md "Routes" and
 * "Operator view"), written out here, so a change of a route's roles in routes.ts fails it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import type { Role } from '../../functions/domain/api-keys.ts';
import { ROUTES, type RouteDef } from '../../functions/routes.ts';
import type { Caller } from '../../functions/shared/caller.ts';
import { accessError } from '../../functions/shared/middleware.ts';
import { ROOT } from '../support/local-stack.ts';

type Method = RouteDef['method'];
/** `public`: no key. A poll: a GET that moves the caller's position (the operator may never call it). */
interface ContractRow {
  method: Method;
  path: string;
  roles: readonly Role[] | 'public';
  /** Only keys of every facility (`*`) may call it (no facility in its path). */
  allFacilitiesOnly?: true;
}

const F = '/facility/{facilityId}';
const S = `${F}/subscriptions/{subscriptionId}`;
const erpPcs = ['erp', 'pcs'] as const;
/** The contract's table says erp/pcs; "Operator view" adds the operator to every GET that is not a poll, and to replay and enable. */
const withOperator = ['erp', 'pcs', 'operator'] as const;

/** THE contract's route table (API.md), one row per method and path. */
const CONTRACT: readonly ContractRow[] = [
  { method: 'GET', path: '/health', roles: 'public' },
  { method: 'POST', path: `${F}/dispensingWorkorders`, roles: ['erp'] },
  { method: 'GET', path: `${F}/dispensingWorkorders`, roles: erpPcs },
  { method: 'GET', path: `${F}/dispensingWorkorders/{workOrderNumber}`, roles: withOperator },
  { method: 'POST', path: `${F}/acknowledgeWorkOrderReceipt`, roles: ['pcs'] },
  { method: 'POST', path: `${F}/dispensingWorkRecords`, roles: ['pcs'] },
  { method: 'GET', path: `${F}/dispensingWorkRecords`, roles: ['erp'] },
  { method: 'POST', path: `${F}/documents`, roles: ['pcs'] },
  { method: 'GET', path: `${F}/documents/{documentId}`, roles: withOperator },
  { method: 'PUT', path: `${F}/dispensingWorkorders/{workOrderNumber}`, roles: ['erp'] },
  { method: 'DELETE', path: `${F}/dispensingWorkorders/{workOrderNumber}`, roles: ['erp'] },
  { method: 'GET', path: `${F}/workOrderSummaries`, roles: withOperator },
  { method: 'GET', path: `${F}/consumption`, roles: ['erp', 'operator'] },
  { method: 'POST', path: `${F}/subscriptions`, roles: erpPcs },
  { method: 'GET', path: `${F}/subscriptions`, roles: withOperator },
  { method: 'GET', path: S, roles: withOperator },
  { method: 'DELETE', path: S, roles: erpPcs },
  { method: 'POST', path: `${S}/rotateSecret`, roles: erpPcs },
  { method: 'GET', path: `${S}/deliveries`, roles: withOperator },
  { method: 'POST', path: `${S}/replay`, roles: withOperator },
  { method: 'POST', path: `${S}/enable`, roles: withOperator },
  { method: 'POST', path: `${F}/components`, roles: ['erp'] },
  { method: 'GET', path: `${F}/components`, roles: erpPcs },
  { method: 'POST', path: `${F}/recipes`, roles: ['erp'] },
  { method: 'GET', path: `${F}/recipes`, roles: erpPcs },
  { method: 'POST', path: `${F}/purchaseOrders`, roles: ['erp'] },
  { method: 'GET', path: `${F}/purchaseOrders`, roles: erpPcs },
  { method: 'GET', path: `${F}/purchaseOrders/{purchaseOrderNumber}`, roles: withOperator },
  { method: 'POST', path: `${F}/receipts`, roles: ['pcs'] },
  { method: 'POST', path: `${F}/stockCounts`, roles: ['pcs'] },
  { method: 'GET', path: `${F}/stock`, roles: withOperator },
  { method: 'GET', path: `${F}/dispensingWorkRecords/{workRecordNumber}`, roles: withOperator },
  { method: 'PUT', path: `${F}/dispensingWorkRecords/{workRecordNumber}`, roles: ['pcs'] },
  { method: 'POST', path: `${F}/dispensingWorkRecords/{workRecordNumber}/void`, roles: ['pcs'] },
  { method: 'GET', path: `${F}/trace`, roles: ['erp', 'operator'] },
  { method: 'GET', path: '/trace', roles: ['erp', 'operator'], allFacilitiesOnly: true },
  { method: 'GET', path: '/facilities', roles: ['erp', 'operator'] },
  { method: 'GET', path: `${F}/pollers`, roles: ['erp', 'operator'] },
  { method: 'GET', path: `${F}/activity`, roles: ['erp', 'operator'] },
  { method: 'GET', path: `${F}/deliveries`, roles: ['erp', 'operator'] },
  { method: 'GET', path: '/console', roles: 'public' },
  { method: 'GET', path: '/openapi.json', roles: 'public' },
  { method: 'GET', path: '/docs', roles: 'public' },
];

const rowOf = (r: RouteDef) => CONTRACT.find((c) => c.method === r.method && c.path === r.path);
const routeOf = (c: ContractRow) => (ROUTES as readonly RouteDef[]).find((r) => r.method === c.method && r.path === c.path);

/** The keys each route is tried with: every role, scoped to the path's facility, to another one, and to every facility. */
const KEYS: readonly { label: string; caller: Caller; coversF: boolean; all: boolean }[] = (['erp', 'pcs', 'operator'] as const).flatMap(
  (role) => [
    { label: `${role} F`, caller: caller(role, ['F']), coversF: true, all: false },
    { label: `${role} G`, caller: caller(role, ['G']), coversF: false, all: false },
    { label: `${role} *`, caller: caller(role, ['*']), coversF: true, all: true },
  ],
);

function caller(role: Role, facilities: string[]): Caller {
  return { keyId: `${role}000000000`.slice(0, 12), role, facilities, format: 'canonical', timeZone: null };
}

/** What the contract expects for this key on this row: allowed, or the status it is refused with. */
function expected(row: ContractRow, key: (typeof KEYS)[number], hasFacility: boolean): 'allowed' | 401 | 403 {
  if (row.roles === 'public') return 'allowed';
  if (hasFacility && !key.coversF) return 403;
  if (row.allFacilitiesOnly && !key.all) return 403;
  return row.roles.includes(key.caller.role) ? 'allowed' : 403;
}

function outcome(route: RouteDef, c: Caller | null, facility: string | undefined): 'allowed' | number {
  const error = accessError(route, c, facility);
  if (!error) return 'allowed';
  return { unauthenticated: 401, forbidden: 403 }[error.kind as 'unauthenticated' | 'forbidden'] ?? -1;
}

describe('the role matrix', () => {
  test('every route of routes.ts is a row of the contract', () => {
    const missing = ROUTES.filter((r) => !rowOf(r)).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(missing, [], 'routes the contract table does not name');
  });

  for (const row of CONTRACT) {
    const route = routeOf(row);
    const name = `${row.method} ${row.path}`;
    test(`${name}: ${row.roles === 'public' ? 'public' : row.roles.join(', ')}`, () => {
      assert.ok(route, 'a route of routes.ts for this contract row');
      const hasFacility = route.path.includes('{facilityId}');
      const facility = hasFacility ? 'F' : undefined;
      assert.deepEqual(
        row.roles === 'public' ? [] : [...route.roles].sort(),
        row.roles === 'public' ? [...route.roles] : [...row.roles].sort(),
        'roles in routes.ts',
      );
      const got = Object.fromEntries(KEYS.map((k) => [k.label, outcome(route, k.caller, facility)]));
      const want = Object.fromEntries(KEYS.map((k) => [k.label, expected(row, k, hasFacility)]));
      assert.deepEqual(got, want);
      // Without a key: 401 on every keyed route, nothing on a public one.
      assert.equal(outcome(route, null, facility), row.roles === 'public' ? 'allowed' : 401);
    });
  }

  test('the operator never polls and writes nothing but replay and enable', () => {
    const operatorRoutes = ROUTES.filter((r) => (r.roles as readonly Role[]).includes('operator'));
    const writes = operatorRoutes.filter((r) => r.method !== 'GET').map((r) => r.id);
    assert.deepEqual(writes.sort(), ['enableSubscription', 'replaySubscription']);
    const polls = operatorRoutes.filter(
      (r) => 'query' in r && (r.query as readonly string[] | undefined)?.includes('lastExecutionDateTime'),
    );
    assert.deepEqual(
      polls.map((r) => r.id),
      [],
    );
  });

  test('every keyed route keeps its refused requests (shared/handler.ts); the public pages bundle no store (publicHandler)', () => {
    const sourceOf = (entry: string): string => {
      const source = readFileSync(join(ROOT, 'functions', entry), 'utf8');
      // Handlers built by a shared builder of their folder (master-data.ts) carry its imports.
      const local = [...source.matchAll(/from '\.\/([\w-]+\.ts)'/g)].map((m) =>
        readFileSync(join(ROOT, 'functions', 'http', m[1]!), 'utf8'),
      );
      return [source, ...local].join('\n');
    };
    for (const r of ROUTES as readonly RouteDef[]) {
      if (r.id === 'authorizer') continue;
      const source = sourceOf(r.entry);
      if (r.roles.length === 0) {
        assert.match(source, /publicHandler\(/, `${r.id}: a public page`);
        assert.doesNotMatch(source, /shared\/handler\.ts|\.\.\/store\//, `${r.id}: no store in a public page`);
      } else assert.match(source, /from '\.\.\/shared\/handler\.ts'/, `${r.id}: keeps refusals`);
    }
  });
});
