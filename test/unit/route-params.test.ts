/**
 * Path and query parameters through the one middleware stack: each is checked against its
 * route's schema (functions/route-params.ts, precompiled), a value that does not fit is a 400
 * naming it before the handler runs, and the handler is handed the values it declared.
 */
import assert from 'node:assert/strict';
import type { Context } from 'aws-lambda';
import { describe, test } from 'vitest';
import { httpHandler } from '../../functions/shared/handler.ts';
import { json } from '../../functions/shared/middleware.ts';

const context = { awsRequestId: 'req-1', functionName: 'f', getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
const authorizer = { lambda: { keyId: 'k1', role: 'erp', facilities: '*', format: 'canonical' } };

function event(pathParameters: Record<string, string>, queryStringParameters?: Record<string, string>): never {
  return {
    version: '2.0',
    routeKey: 'r',
    rawPath: '/',
    rawQueryString: '',
    headers: {},
    isBase64Encoded: false,
    requestContext: { requestId: 'r-1', routeKey: 'r', http: { method: 'GET', path: '/' }, authorizer },
    pathParameters,
    ...(queryStringParameters ? { queryStringParameters } : {}),
  } as never;
}

type Reply = { statusCode: number; headers: Record<string, string>; body: string };

describe('route parameters', () => {
  const seen: unknown[] = [];
  const getWorkOrder = httpHandler('getWorkOrder', async ({ params, query }) => {
    seen.push({ number: params.workOrderNumber, agency: query.agency });
    return json({ ok: true });
  });
  const getStock = httpHandler('getStock', async ({ query }) => {
    // Typed from the route's schema: include is 'movements' or absent.
    const include: 'movements' | undefined = query.include;
    seen.push({ component: query.component, include });
    return json({ ok: true });
  });
  const call = async (handler: typeof getWorkOrder, e: never) => (await handler(e, context)) as Reply;

  test('values that fit reach the handler as declared; parameters a route does not take pass', async () => {
    seen.length = 0;
    const ok = await call(getWorkOrder, event({ facilityId: 'P-1', workOrderNumber: '😀'.repeat(128) }, { agency: 'GS1', other: 'x' }));
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await call(getStock, event({ facilityId: 'P-1' }, { component: 'C-1', include: 'movements' }))).statusCode, 200);
    assert.deepEqual(seen, [
      { number: '😀'.repeat(128), agency: 'GS1' },
      { component: 'C-1', include: 'movements' },
    ]);
  });

  test('a value outside its schema is 400 invalid-input naming that one parameter; the handler never runs', async () => {
    seen.length = 0;
    const cases: [typeof getWorkOrder, never, string][] = [
      [getWorkOrder, event({ facilityId: 'P-1', workOrderNumber: 'N'.repeat(129) }), '/pathParameters/workOrderNumber'],
      [getWorkOrder, event({ facilityId: 'P-1', workOrderNumber: 'WO\u0001' }), '/pathParameters/workOrderNumber'],
      [getWorkOrder, event({ facilityId: 'P-1', workOrderNumber: 'WO-1' }, { agency: 'Nope' }), '/queryStringParameters/agency'],
      [getWorkOrder, event({ facilityId: 'P-1', workOrderNumber: 'N'.repeat(129) }, { agency: 'Nope' }), '/pathParameters/workOrderNumber'],
      [getStock, event({ facilityId: 'P-1' }, { include: 'everything' }), '/queryStringParameters/include'],
      [getStock, event({ facilityId: 'P-1' }, { component: '' }), '/queryStringParameters/component'],
      [getStock, event({ facilityId: 'P-1' }, { location: 'L'.repeat(129) }), '/queryStringParameters/location'],
    ];
    for (const [handler, e, path] of cases) {
      const r = await call(handler, e);
      assert.equal(r.statusCode, 400, path);
      assert.equal(r.headers['content-type'], 'application/problem+json');
      const problem = JSON.parse(r.body) as { type: string; status: number; detail: string; errors: { path: string }[] };
      assert.equal(problem.type, 'urn:mixticket:problem:invalid-input');
      assert.equal(problem.status, 400);
      assert.deepEqual(
        problem.errors.map((x) => x.path),
        [path],
      );
      assert.ok(problem.detail.startsWith(path.split('/').pop()!), problem.detail);
    }
    assert.deepEqual(seen, []);
  });
});
