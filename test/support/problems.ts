/** Assertions on RFC 9457 problem details, as every 4xx/5xx of the hub is. */
import assert from 'node:assert/strict';

export interface ProblemReply {
  status: number;
  headers: Headers;
  body: any;
}

/** The reply is problem+json with this status (a number, or a predicate such as 5xx). */
export function assertProblem(reply: ProblemReply, status: number | ((s: number) => boolean)): void {
  const ok = typeof status === 'number' ? reply.status === status : status(reply.status);
  assert.ok(ok, `status ${reply.status}: ${JSON.stringify(reply.body)}`);
  assert.equal(reply.headers.get('content-type'), 'application/problem+json');
  assert.equal(reply.body?.status, reply.status);
  assert.match(reply.body.type, /^urn:mixticket:problem:/);
  assert.equal(typeof reply.body.title, 'string');
  assert.equal(typeof reply.body.detail, 'string');
}

/** The JSON pointers the problem's errors name. */
export const errorPaths = (reply: ProblemReply): string[] => ((reply.body?.errors ?? []) as { path: string }[]).map((e) => e.path);
