/** The contract check the integration helpers run on every answer (test/support/contract.ts) refuses what the document does not say. */
import assert from 'node:assert/strict';
import { test } from 'vitest';
import { CONTRACT_LOG_ENV, checkResponse } from '../support/contract.ts';

// These answers are wrong on purpose: they test the checker, they are not the stack's answers.
// When every tier runs in one `vitest run`, this worker inherits the integration tier's log.
delete process.env[CONTRACT_LOG_ENV];

const json = new Headers({ 'content-type': 'application/json' });
const problem = new Headers({ 'content-type': 'application/problem+json' });

test('a documented answer passes; a wrong body, an undocumented status or media type, a missing header do not', () => {
  checkResponse('GET', '/health', 200, json, '{"status":"ok"}');
  assert.throws(() => checkResponse('GET', '/health', 200, json, '{"status":"fine"}'), /does not conform/);
  assert.throws(() => checkResponse('GET', '/health', 201, json, '{"status":"ok"}'), /not documented/);
  assert.throws(() => checkResponse('GET', '/health', 200, new Headers({ 'content-type': 'text/plain' }), 'ok'), /content-type/);
  assert.throws(() => checkResponse('GET', '/facility/F/documents/doc_x', 302, new Headers(), ''), /Location/i);
});

test('problems must carry the type of their status', () => {
  const body = (type: string, status: number) => JSON.stringify({ type: `urn:mixticket:problem:${type}`, title: 't', status, detail: 'd' });
  checkResponse('GET', '/facility/F/dispensingWorkorders', 401, problem, body('unauthenticated', 401));
  assert.throws(() => checkResponse('GET', '/facility/F/dispensingWorkorders', 401, problem, body('forbidden', 401)), /does not conform/);
  assert.throws(() => checkResponse('GET', '/facility/F/dispensingWorkorders', 401, json, body('unauthenticated', 401)), /content-type/);
  // Answers the gateway gives before any route: problem+json on any path.
  checkResponse('GET', '/nowhere', 404, problem, body('not-found', 404));
});
