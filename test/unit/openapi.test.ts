/**
 * The OpenAPI document as built (functions/generated/openapi.json, scripts/build-openapi.ts):
 * valid by an independent validator, one operation per route-table entry with its parameters,
 * bodies, answers and problems, the older form derived from ours; a route added to the table
 * appears by itself, and one that names an unknown schema fails the build.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from '@readme/openapi-parser';
import { Validator } from '@seriousme/openapi-schema-validator';
import { test } from 'vitest';
import { ROUTE_DOCS, type RouteDoc } from '../../functions/route-docs.ts';
import { ROUTES, type RouteDef } from '../../functions/routes.ts';
import { PROBLEM_KINDS } from '../../functions/shared/problem.ts';
import { buildOpenApi } from '../../scripts/build-openapi.ts';
import { ROOT } from '../support/local-stack.ts';

const built = JSON.parse(readFileSync(join(ROOT, 'functions', 'generated', 'openapi.json'), 'utf8'));
const op = (method: string, path: string) => built.paths[path][method];

test('the built document is valid OpenAPI 3.1: 0 errors, 0 warnings (@readme/openapi-parser)', async () => {
  const result = await validate(structuredClone(built));
  assert.deepEqual(result, { valid: true, warnings: [], specification: 'OpenAPI' });
  assert.equal(built.openapi, '3.1.0');
  assert.equal(built.info.version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
});

test('the built document is valid by a second, independent validator: the OpenAPI 3.1 JSON Schema (@seriousme/openapi-schema-validator)', async () => {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(built));
  assert.deepEqual(result, { valid: true });
  assert.equal(validator.version, '3.1');
});

test('the conventions on every answer are in the document: 405 with Allow, Location on 201, Idempotency-Key and its 409/422, integer limit', () => {
  const notAllowed = built.components.responses.MethodNotAllowed;
  assert.equal(notAllowed.content['application/problem+json'].schema.properties.type.const, 'urn:mixticket:problem:method-not-allowed');
  assert.ok(notAllowed.headers.Allow.required);
  for (const route of ROUTES as readonly RouteDef[]) {
    const o = op(route.method.toLowerCase(), route.path);
    if (o.responses['201']) assert.ok(o.responses['201'].headers?.Location?.required, `${route.id}: Location on its 201`);
    const header = o.parameters?.find((p: { in: string; name: string }) => p.in === 'header' && p.name === 'Idempotency-Key');
    assert.equal(Boolean(header), Boolean(route.idempotencyKey), `${route.id}: Idempotency-Key exactly where the route table says`);
    if (route.idempotencyKey) {
      assert.equal(
        o.responses['422'].content['application/problem+json'].schema.properties.type.const,
        'urn:mixticket:problem:idempotency-key-reused',
      );
      assert.ok(o.responses['409'], `${route.id}: the 409 of a repeat while the first runs`);
      assert.ok(new RegExp(header.schema.pattern).test('a-Key_1~'));
      for (const bad of ['with space', 'ü']) assert.ok(!new RegExp(header.schema.pattern).test(bad), bad);
    }
  }
  assert.deepEqual(
    (ROUTES as readonly RouteDef[])
      .filter((r) => r.idempotencyKey)
      .map((r) => r.id)
      .sort(),
    ['createDocumentUpload', 'createSubscription', 'replaySubscription', 'rotateSubscriptionSecret', 'voidWorkRecord'],
  );
  for (const path of ['/facility/{facilityId}/workOrderSummaries', '/facility/{facilityId}/subscriptions/{subscriptionId}/deliveries']) {
    const limit = op('get', path).parameters.find((p: { name: string }) => p.name === 'limit');
    assert.equal(limit.schema.type, 'integer', path);
    assert.equal(typeof limit.example, 'number');
  }
});

test('one operation per route, keyed routes behind the x-api-key scheme, public ones not', () => {
  assert.deepEqual(built.components.securitySchemes.apiKey, {
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
    description: built.components.securitySchemes.apiKey.description,
  });
  const ops = Object.values(built.paths).flatMap((item) => Object.values(item as object));
  assert.equal(ops.length, ROUTES.length);
  for (const route of ROUTES) {
    const o = op(route.method.toLowerCase(), route.path);
    assert.equal(o.operationId, route.id);
    assert.deepEqual(o.security, route.roles.length ? [{ apiKey: [] }] : []);
    if (route.roles.length) assert.ok(o.responses['401'] && o.responses['403'], `${route.id} answers 401 and 403`);
    assert.ok(o.responses['500'], `${route.id} documents its 500`);
  }
});

test('path and query parameters carry the patterns the handlers check', () => {
  const poll = op('get', '/facility/{facilityId}/dispensingWorkorders');
  const names = poll.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`);
  assert.deepEqual(names, ['path:facilityId', 'query:lastExecutionDateTime', 'query:format', 'query:cursor']);
  const facility = new RegExp(poll.parameters[0].schema.pattern);
  for (const ok of ['PLANT-7', 'a.b_c', '...']) assert.ok(facility.test(ok), ok);
  for (const bad of ['.', '..', 'a/b', 'x'.repeat(65), 'ü']) assert.ok(!facility.test(bad), bad);
  const time = new RegExp(poll.parameters[1].schema.pattern);
  for (const ok of ['2026-03-01T08:00:00Z', '2026-03-01T08:00:00.123+02:00', '2026-03-01T08:00 05:00']) assert.ok(time.test(ok), ok);
  assert.ok(!time.test('2026-03-01T08:00:00'), 'a time needs a zone');
  const doc = op('get', '/facility/{facilityId}/documents/{documentId}');
  assert.ok(new RegExp(doc.parameters[1].schema.pattern).test(`doc_${'a'.repeat(32)}`));
  assert.ok(doc.responses['302'].headers.Location.required);
});

test('problems: problem+json with the type URN of their status', () => {
  const push = op('post', '/facility/{facilityId}/dispensingWorkorders');
  for (const [kind, { status }] of Object.entries(PROBLEM_KINDS)) {
    const r = push.responses[String(status)];
    if (!r) continue;
    const schema = r.content['application/problem+json'].schema;
    assert.equal(schema.properties.type.const, `urn:mixticket:problem:${kind}`);
    assert.equal(schema.properties.status.const, status);
  }
  assert.equal(push.responses['500'].content['application/problem+json'].schema.properties.type.const, 'urn:mixticket:problem:internal');
  assert.ok(push.responses['429'].headers['Retry-After']);
});

test('document bodies: the envelope, a bare array, and the older form derived from our schemas', () => {
  const body = op('post', '/facility/{facilityId}/dispensingWorkorders').requestBody.content['application/json'];
  const refs = JSON.stringify(body.schema.anyOf);
  for (const name of ['DispensingWorkOrderRequest', 'DispensingWorkOrder', 'LegacyDispensingWorkOrder'])
    assert.ok(refs.includes(name), name);
  assert.deepEqual(Object.keys(body.examples).sort(), ['canonical-work-order-blended', 'legacy-work-order-single', 'quickstart-orders']);
  const legacy = built.components.schemas.LegacyDispensingWorkOrder;
  assert.ok(legacy.properties.Header && legacy.properties.WorkOrderIdentifier && legacy.properties.TransportInformation);
  assert.ok(built.components.schemas.LegacyOrderParties.properties.OtherParty, 'renamed as the .NET library names it');
  assert.ok(built.components.schemas.LegacyHeader.properties.Sender.properties.Identifier, 'Sender wrapped');
  assert.deepEqual(built.components.schemas.LegacyPhysicalStateCode.anyOf[0].type, 'integer');
  const poll = op('get', '/facility/{facilityId}/dispensingWorkorders').responses['200'];
  assert.ok(poll.headers.Link);
  assert.ok(JSON.stringify(poll.content['application/json'].schema).includes('LegacyDispensingWorkOrder'));
});

const later = (query?: RouteDef['query']): RouteDef => ({
  id: 'laterRoute',
  method: 'GET',
  path: '/facility/{facilityId}/later/{workOrderNumber}',
  entry: 'http/health.ts',
  roles: ['erp'],
  access: { table: 'read' },
  ...(query ? { query } : {}),
});
const laterDocs = (doc: Omit<RouteDoc, 'summary'>) => ({ ...ROUTE_DOCS, laterRoute: { summary: 'a route a later issue adds', ...doc } });

test('a route added to the table appears by itself; an unknown schema or parameter fails the build', () => {
  const doc = buildOpenApi(
    '9.9.9',
    [...ROUTES, later(['agency'])],
    laterDocs({ responses: { 200: { description: 'ok', schema: 'WorkOrderView' } } }),
  ) as any;
  const o = doc.paths['/facility/{facilityId}/later/{workOrderNumber}'].get;
  assert.equal(o.summary, 'a route a later issue adds');
  assert.deepEqual(
    o.parameters.map((p: { name: string }) => p.name),
    ['facilityId', 'workOrderNumber', 'agency'],
  );
  assert.ok(buildOpenApi('9.9.9', [later()]), 'without docs: defaults');
  assert.throws(
    () => buildOpenApi('1.0.0', [later()], laterDocs({ responses: { 200: { description: 'x', schema: 'NoSuchSchema' } } })),
    /NoSuchSchema/,
  );
  assert.throws(() => buildOpenApi('1.0.0', [{ ...later(), path: '/x/{nope}' }]), /PATH_PARAMS/);
});
