/**
 * The one way the hub calls out: POST a signed delivery to a subscriber's endpoint. The host is
 * resolved and every address checked (domain/webhooks.ts) right before the request, and the
 * connection goes to the address that was checked (a pinned lookup), so a name that resolves
 * to a public address at the check and to an inside one a moment later (DNS rebinding) never
 * reaches inside. TLS still verifies the certificate against the URL's host name.
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { HubError } from '../domain/errors.ts';
import { hostOf, pickAddress, truncateUtf8, type UrlRules } from '../domain/webhooks.ts';
import { WEBHOOK_SETTINGS } from './config.ts';

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 8 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 8 }),
};

/** The endpoint's addresses, checked: the one to connect to (a 400 HubError naming the refusal otherwise). */
export async function resolveEndpoint(url: URL, rules: UrlRules): Promise<string> {
  const host = hostOf(url);
  if (isIP(host)) return pickAddress(host, [host], rules);
  let addresses: string[];
  try {
    addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    addresses = [];
  }
  return pickAddress(host, addresses, rules);
}

export interface PostResult {
  status: number | null;
  error: string | null;
  ms: number;
  /** The start of the answer's body (at most 1 KB). */
  response: string | null;
  retryAfter: string | null;
}

/** POSTs `body` with `headers`; never throws: every failure is a result with an error. */
export async function postWebhook(rawUrl: string, body: string, headers: Record<string, string>, rules: UrlRules): Promise<PostResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let address: string;
  const url = new URL(rawUrl);
  try {
    address = await resolveEndpoint(url, rules);
  } catch (e) {
    const reason = e instanceof HubError ? e.message : (e as Error).message;
    return { status: null, error: `refused: ${reason}`, ms: ms(), response: null, retryAfter: null };
  }
  const family = isIP(address);
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const protocol = url.protocol === 'https:' ? https : http;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (r: Omit<PostResult, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, ms: ms() });
    };
    const req = protocol.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'MixTicket-Hub-Webhooks/1' },
        agent: agents[url.protocol as 'http:' | 'https:'],
        lookup: pinned,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        res.on('data', (c: Buffer) => {
          if (kept < WEBHOOK_SETTINGS.responseLogBytes) {
            chunks.push(c);
            kept += c.length;
          }
        });
        res.on('end', () =>
          finish({
            status: res.statusCode ?? null,
            error: null,
            response: truncateUtf8(Buffer.concat(chunks).toString('utf8'), WEBHOOK_SETTINGS.responseLogBytes),
            retryAfter: typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : null,
          }),
        );
        res.on('error', (e) => finish({ status: res.statusCode ?? null, error: e.message, response: null, retryAfter: null }));
      },
    );
    const timer = setTimeout(() => {
      finish({ status: null, error: `no answer within ${WEBHOOK_SETTINGS.timeoutMs / 1000} s`, response: null, retryAfter: null });
      req.destroy();
    }, WEBHOOK_SETTINGS.timeoutMs);
    req.on('error', (e) =>
      finish({ status: null, error: e.message || (e as { code?: string }).code || 'connection failed', response: null, retryAfter: null }),
    );
    req.end(body);
  });
}
