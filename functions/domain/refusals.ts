/**
 * Refused requests (the operator view's activity log), pure: what is kept of a 4xx answered to
 * a request naming a facility — the problem (its errors capped), who, which route, when; never
 * the body — how the per-minute sample is counted, and the log's cursors.
 */
import { invalidInput } from './errors.ts';

/** One refused request as kept. */
export interface RefusedRequest {
  at: string;
  requestId: string;
  /** null: no valid key (a 401). */
  keyId: string | null;
  method: string;
  /** The route's path template (what was asked for, without the values a client put in it). */
  route: string;
  status: number;
  problem: { type: string; title: string; detail: string; errors?: { path: string; message: string }[] };
}

/** What a problem answer carries that the log keeps. */
export interface ProblemLike {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: readonly { path: string; message: string }[];
}

/** Long texts are cut: a client's input echoed in a message must not fill the log. */
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The entry kept for a problem answered to this request; `maxErrors` of its errors at most. */
export function refusalOf(
  problem: ProblemLike,
  request: { at: string; requestId: string; keyId: string | null; method: string; route: string },
  maxErrors: number,
): RefusedRequest {
  const errors = problem.errors?.slice(0, maxErrors).map((e) => ({ path: cut(e.path, 300), message: cut(e.message, 300) }));
  return {
    ...request,
    status: problem.status,
    problem: {
      type: problem.type,
      title: problem.title,
      detail: cut(problem.detail, 1000),
      ...(errors && errors.length > 0 ? { errors } : {}),
    },
  };
}

/** The minute a time falls in (`YYYY-MM-DDTHH:MM`): the unit of the sample. */
export const minuteOf = (iso: string): string => iso.slice(0, 16);

/** Of `n` refused in one minute, how many were left out by a cap of `perMinute`. */
export const sampledOut = (n: number, perMinute: number): number => Math.max(0, n - perMinute);

const ENTRY = /^EV#\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[^#\u0000-\u001f]{1,300}$/;

/** The cursor after an entry (its sort key, opaque to clients). */
export const activityCursor = (entrySk: string): string => Buffer.from(entrySk, 'utf8').toString('base64url');

/** The entry a cursor names; a 400 for text this hub did not issue. */
export function openActivityCursor(raw: string): string {
  const sk = Buffer.from(raw, 'base64url').toString('utf8');
  if (!ENTRY.test(sk))
    throw invalidInput('cursor is not one this hub issued.', [{ path: '/queryStringParameters/cursor', message: 'invalid cursor' }]);
  return sk;
}

/** `limit` of a page: 1 to 100, default `fallback`. */
export function pageLimit(raw: string | undefined, fallback: number): number {
  const limit = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw invalidInput('limit must be an integer from 1 to 100.', [{ path: '/queryStringParameters/limit', message: 'out of range' }]);
  }
  return limit;
}
