/**
 * A `fetch` over node:http and node:https, for the reference commands. The platform's fetch
 * refuses some ports outright (its "bad port" list: 1, 25, 6000, 10080, ...) and reports every
 * failure as "fetch failed"; this one connects wherever the URL says and keeps the system's
 * error (ECONNREFUSED, ENOTFOUND, ...), so a failure can be named. It covers what the client
 * uses: a method, headers, a string body, an AbortSignal; no redirects are followed.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export const nodeFetch = ((input: string | URL, init: RequestInit = {}): Promise<Response> => {
  const url = new URL(String(input));
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return Promise.reject(new TypeError(`unsupported scheme ${url.protocol}`));
  const signal = init.signal ?? undefined;
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const body = init.body === undefined || init.body === null ? undefined : String(init.body);
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: init.method ?? 'GET', headers });
    const onAbort = () => {
      req.destroy();
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    req.on('error', (e) => {
      done();
      reject(e);
    });
    req.on('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => {
        done();
        reject(e);
      });
      res.on('end', () => {
        done();
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (Array.isArray(value)) for (const v of value) answerHeaders.append(name, v);
          else if (value !== undefined) answerHeaders.set(name, value);
        }
        const status = res.statusCode ?? 0;
        const empty = status === 204 || status === 304 || (init.method ?? 'GET') === 'HEAD';
        try {
          resolve(
            new Response(empty ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? '', headers: answerHeaders }),
          );
        } catch (e) {
          reject(e); // a status Response cannot hold (outside 200-599)
        }
      });
    });
    req.end(body);
  });
}) as typeof fetch;
