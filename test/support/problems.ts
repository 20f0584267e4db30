/** Assertions on RFC 9457 problem details, as every 4xx/5xx of the hub is. */
import assert from 'node:assert/strict';

export interface ProblemReply {
  status: number;
  headers: Headers;
  body: any;
}

/** The problem type each status stands for unless a test names another (written out, not imported). */
const KIND_OF_STATUS: Record<number, string> = {
  400: 'invalid-input',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  409: 'conflict',
  413: 'too-large',
  415: 'unsupported-media-type',
  429: 'throttled',
};

/**
 * The reply is problem+json with this status (a number, or a predicate such as 5xx) and the
 * problem type `urn:mixticket:problem:<kind>`: `kind` when given, else the status's own kind
 * (`internal` for a 5xx).
 */
export function assertProblem(reply: ProblemReply, status: number | ((s: number) => boolean), kind?: string): void {
  const ok = typeof status === 'number' ? reply.status === status : status(reply.status);
  assert.ok(ok, `status ${reply.status}: ${JSON.stringify(reply.body)}`);
  assert.equal(reply.headers.get('content-type'), 'application/problem+json');
  assert.equal(reply.body?.status, reply.status);
  const expected = kind ?? (reply.status >= 500 ? 'internal' : KIND_OF_STATUS[reply.status]);
  assert.ok(expected, `no problem kind is known for status ${reply.status}; name one`);
  assert.equal(reply.body.type, `urn:mixticket:problem:${expected}`);
  assert.equal(typeof reply.body.title, 'string');
  assert.equal(typeof reply.body.detail, 'string');
}

/** The JSON pointers the problem's errors name. */
export const errorPaths = (reply: ProblemReply): string[] => ((reply.body?.errors ?? []) as { path: string }[]).map((e) => e.path);
