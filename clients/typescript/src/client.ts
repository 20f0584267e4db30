/**
 * A typed client of the MixTicket hub: one `call` per operation of the hub's OpenAPI document
 * (src/generated/api.ts), typed by operationId — path parameters, query, body, and the answer
 * as a union over the documented statuses. No dependencies: the platform's fetch.
 */
import { OPERATIONS, type Operations } from './generated/api.ts';

export type OperationId = keyof Operations;

/** An answer of operation `Id`: `status` narrows `body` to that status's documented type. */
export type Answer<Id extends OperationId> = {
  [S in keyof Operations[Id]['responses']]: { status: S; body: Operations[Id]['responses'][S]; headers: Headers; url: string };
}[keyof Operations[Id]['responses']];

export interface CallOptions<Id extends OperationId> {
  params?: Operations[Id]['params'];
  query?: Operations[Id]['query'];
  body?: Operations[Id]['body'];
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface ClientOptions {
  /** The hub's base URL, e.g. http://127.0.0.1:3000 or https://api.example.com. */
  baseUrl: string;
  /** The API key (x-api-key), for every route but the public ones. */
  apiKey?: string;
  /** Another fetch (tests, proxies); default the global one. */
  fetch?: typeof fetch;
}

export interface HubClient {
  /** Calls one operation of the hub. Never throws for an HTTP status: every status is an answer. */
  call<Id extends OperationId>(id: Id, options?: CallOptions<Id>): Promise<Answer<Id>>;
  /** GETs an absolute URL the hub gave (a `Link: rel="next"`), answered as operation `Id`. */
  follow<Id extends OperationId>(id: Id, url: string, signal?: AbortSignal): Promise<Answer<Id>>;
  /** The URL of an operation. */
  url<Id extends OperationId>(id: Id, params?: Operations[Id]['params'], query?: Operations[Id]['query']): string;
}

/** Makes a client for one hub and key. */
export function createClient(options: ClientOptions): HubClient {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const url = <Id extends OperationId>(id: Id, params?: Operations[Id]['params'], query?: Operations[Id]['query']) => {
    const path = OPERATIONS[id].path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = (params as Record<string, string> | undefined)?.[name];
      if (value === undefined) throw new TypeError(`${id}: path parameter ${name} is missing`);
      return encodeURIComponent(value);
    });
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries((query ?? {}) as Record<string, unknown>)) if (v !== undefined) search.set(k, String(v));
    const qs = search.toString();
    return `${base}${path}${qs ? `?${qs}` : ''}`;
  };
  const send = async <Id extends OperationId>(id: Id, target: string, method: string, init: CallOptions<Id>): Promise<Answer<Id>> => {
    const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
    if (OPERATIONS[id].keyed && options.apiKey) headers['x-api-key'] = options.apiKey;
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await doFetch(target, { method, headers, body, redirect: 'manual', signal: init.signal });
    const text = await res.text();
    let parsed: unknown = text;
    if (/json/.test(res.headers.get('content-type') ?? '') && text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (text === '') parsed = undefined;
    return { status: res.status, body: parsed, headers: res.headers, url: target } as Answer<Id>;
  };
  return {
    url,
    call: (id, init = {}) => send(id, url(id, init.params, init.query), OPERATIONS[id].method, init),
    follow: (id, target, signal) => send(id, new URL(target, `${base}/`).href, 'GET', signal ? { signal } : {}),
  };
}
