/**
 * Idempotency-Key decisions (functions/domain/idempotency.ts): the key's form, what makes two
 * requests the same, what is kept and for whom, and what a repeat is answered. The protocol on a
 * real table is in test/integration/conventions.test.ts. Also: the typed client takes `limit` as
 * a number now that the document types it as an integer.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { createClient } from '../../clients/typescript/src/client.ts';
import { HubError } from '../../functions/domain/errors.ts';
import * as idempotency from '../../functions/domain/idempotency.ts';
import { ROUTES, type RouteDef } from '../../functions/routes.ts';
import { ROOT } from '../support/local-stack.ts';

test('the handler of each route the table flags idempotencyKey hands in the store, and no other does', () => {
  for (const route of ROUTES as readonly RouteDef[]) {
    const source = readFileSync(join(ROOT, 'functions', route.entry), 'utf8');
    assert.equal(/idempotency: idempotencyStore/.test(source), Boolean(route.idempotencyKey), route.id);
  }
});

test('a key is 1 to 255 visible ASCII characters; anything else is a 400 naming the header', () => {
  assert.equal(idempotency.parseIdempotencyKey(undefined), undefined);
  for (const ok of ['a', '5f1c3a9e-8d2b-4c8e-9f4a-0b6d7e1a2c3d', '!~', 'x'.repeat(255)])
    assert.equal(idempotency.parseIdempotencyKey(ok), ok);
  for (const bad of ['', 'x'.repeat(256), 'a b', 'tab\t', 'ü', '\u0000']) {
    assert.throws(
      () => idempotency.parseIdempotencyKey(bad),
      (e: unknown) => e instanceof HubError && e.kind === 'invalid-input' && e.errors?.[0]?.path === '/headers/idempotency-key',
      JSON.stringify(bad),
    );
  }
});

test('the same request is the same method, path, query and body as sent; anything else differs', () => {
  const base = { method: 'POST', path: '/facility/F1/subscriptions', query: '', body: 'text:{"a":1}' };
  assert.equal(idempotency.requestFingerprint(base), idempotency.requestFingerprint({ ...base }));
  for (const other of [{ path: '/facility/F2/subscriptions' }, { body: 'text:{"a":2}' }, { query: 'x=1' }, { method: 'PUT' }]) {
    assert.notEqual(idempotency.requestFingerprint(base), idempotency.requestFingerprint({ ...base, ...other }), JSON.stringify(other));
  }
  // Parts cannot run into each other.
  assert.notEqual(
    idempotency.requestFingerprint({ ...base, path: '/a', query: 'b' }),
    idempotency.requestFingerprint({ ...base, path: '/ab', query: '' }),
  );
});

test('only a success is kept, with the headers that matter, sealed for the API key and Idempotency-Key that made it', () => {
  assert.ok(idempotency.isKept(201) && idempotency.isKept(202) && idempotency.isKept(200));
  assert.ok(!idempotency.isKept(400) && !idempotency.isKept(409) && !idempotency.isKept(500) && !idempotency.isKept(undefined));
  const answer = idempotency.keptAnswer({
    statusCode: 201,
    headers: { 'Content-Type': 'application/json', location: '/x', 'x-request-id': 'r1', 'x-content-type-options': 'nosniff' },
    body: '{"secret":"whsec_x"}',
  });
  assert.deepEqual(answer, {
    statusCode: 201,
    headers: { 'content-type': 'application/json', location: '/x' },
    body: '{"secret":"whsec_x"}',
  });
  const sealed = idempotency.sealAnswer(answer, 'mtk_key', 'idem-1');
  assert.ok(!sealed.includes('whsec_x'), 'the secret is not stored readable');
  assert.deepEqual(idempotency.openAnswer(sealed, 'mtk_key', 'idem-1'), answer);
  assert.equal(idempotency.openAnswer(sealed, 'mtk_other', 'idem-1'), null);
  assert.equal(idempotency.openAnswer(sealed, 'mtk_key', 'idem-2'), null);
  assert.equal(idempotency.openAnswer('garbage', 'mtk_key', 'idem-1'), null);
});

test('a repeat: another request 422, the first still running 409, else the first answer', () => {
  const reused = idempotency.decide({ fingerprint: 'a', state: 'done', lockedUntil: 0, answer: 's' }, 'b');
  assert.ok('error' in reused && reused.error.kind === 'idempotency-key-reused');
  const running = idempotency.decide({ fingerprint: 'a', state: 'running', lockedUntil: Date.now() + 1000 }, 'a');
  assert.ok('error' in running && running.error.kind === 'conflict');
  assert.deepEqual(idempotency.decide({ fingerprint: 'a', state: 'done', lockedUntil: 0, answer: 's' }, 'a'), { replay: 's' });
});

test('the typed client takes limit as a number', () => {
  const hub = createClient({ baseUrl: 'http://hub.example', apiKey: 'k' });
  const url = hub.url('listWorkOrderSummaries', { facilityId: 'F1' }, { limit: 1 });
  assert.equal(url, 'http://hub.example/facility/F1/workOrderSummaries?limit=1');
});
