/**
 * The local stand-in for API Gateway's HTTP API: turns each HTTP request into a payload
 * v2 event, runs the Lambda authorizer on routes that need a key, and invokes the same
 * handler modules the CDK stack deploys, in this process (warm, like a reused Lambda).
 * Lambda's 6 MB request limit applies here as on AWS.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type {
  APIGatewayProxyStructuredResultV2,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
  Context,
} from 'aws-lambda';
import { pointerToken } from '../../functions/domain/documents.ts';
import type { ErrorItem } from '../../functions/domain/errors.ts';
import { isFacilityId } from '../../functions/domain/facility.ts';
import { refusalOf } from '../../functions/domain/refusals.ts';
import { AUTHORIZER_ENTRY, FUNCTION_TIMEOUT_SECONDS, ROUTES, type RouteDef } from '../../functions/routes.ts';
import { LIMITS, OPERATOR_SETTINGS } from '../../functions/shared/config.ts';
import type { HubEvent } from '../../functions/shared/middleware.ts';
import { problemOf, problemResponse, problemType, toHubError } from '../../functions/shared/problem.ts';
import { decodeUtf8 } from '../../functions/shared/well-formed.ts';
import { recordRefusal } from '../../functions/store/activity-store.ts';
import { invocationScope } from './invocations.ts';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

interface CompiledRoute {
  def: RouteDef;
  pattern: RegExp;
  params: string[];
  handler: Handler;
}

/** Content types API Gateway passes as text; everything else arrives base64-encoded. */
const TEXT_TYPES = /^(text\/|application\/(json|[a-z0-9.+-]+\+json|xml|x-www-form-urlencoded|javascript)\b)/i;

async function loadHandler(entry: string): Promise<Handler> {
  const mod = (await import(new URL(`../../functions/${entry}`, import.meta.url).href)) as { handler: Handler };
  return mod.handler;
}

function compile(def: RouteDef, handler: Handler): CompiledRoute {
  const params: string[] = [];
  const source = def.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    params.push(name);
    return '([^/]+)';
  });
  return { def, pattern: new RegExp(`^${source}$`), params, handler };
}

interface ProblemFields {
  status: number;
  kind: string;
  title: string;
  detail: string;
  errors?: ErrorItem[];
}

/** The gateway's own problem answers carry the request id as the handlers' do: header and `instance`. */
const problemBody = (p: ProblemFields, requestId: string): string =>
  JSON.stringify({
    type: problemType(p.kind as never),
    title: p.title,
    status: p.status,
    detail: p.detail,
    instance: `urn:request:${requestId}`,
    ...(p.errors ? { errors: p.errors } : {}),
  });

function problem(res: ServerResponse, requestId: string, p: ProblemFields, extra: Record<string, string> = {}) {
  res.writeHead(p.status, { 'content-type': 'application/problem+json', 'x-request-id': requestId, ...extra });
  res.end(problemBody(p, requestId));
}

/**
 * Longest request target served (API Gateway's HTTP API takes at most 10,240 bytes of request
 * line and headers together); Node's own `maxHeaderSize` (16 KiB) bounds the whole head.
 */
export const MAX_URI_BYTES = 8192;

/**
 * Decodes one percent-encoded component strictly: null when an escape is malformed (`%`,
 * `%E0%A4%A`) or the bytes are not UTF-8 (`%FF`, an encoded surrogate), where a lenient
 * decoder would throw or silently substitute U+FFFD.
 */
function decodeComponent(raw: string, plusIsSpace: boolean): string | null {
  try {
    return decodeURIComponent(plusIsSpace ? raw.replaceAll('+', ' ') : raw);
  } catch {
    return null;
  }
}

/** The query as API Gateway's `queryStringParameters` (repeated names joined by commas), or the names that do not decode. */
function parseQuery(rawQuery: string): { query: Record<string, string>; bad: ErrorItem[] } {
  const query: Record<string, string> = {};
  const bad: ErrorItem[] = [];
  for (const pair of rawQuery.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawName = eq < 0 ? pair : pair.slice(0, eq);
    const name = decodeComponent(rawName, true);
    const value = decodeComponent(eq < 0 ? '' : pair.slice(eq + 1), true);
    if (name === null || value === null) {
      bad.push({ path: `/queryStringParameters/${pointerToken(name ?? rawName)}`, message: 'malformed percent-encoding or not UTF-8' });
      continue;
    }
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  return { query, bad };
}

/** A problem+json response written straight to the socket, for requests Node's parser refused. */
function rawProblem(socket: Duplex, p: ProblemFields, requestId: string) {
  const body = problemBody(p, requestId);
  socket.end(
    `HTTP/1.1 ${p.status} ${STATUS_CODES[p.status] ?? ''}\r\n` +
      'Content-Type: application/problem+json\r\n' +
      `X-Request-Id: ${requestId}\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}

/** The answer to a request Node's HTTP parser refused: problem+json, as every other error. */
function clientErrorProblem(err: NodeJS.ErrnoException & { rawPacket?: Buffer }): ProblemFields {
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    const packet = err.rawPacket ?? Buffer.alloc(0);
    const lineEnd = packet.indexOf('\r\n');
    if (lineEnd < 0 || lineEnd > MAX_URI_BYTES) {
      return { status: 414, kind: 'too-large', title: 'URI too long', detail: `The request target exceeds ${MAX_URI_BYTES} bytes.` };
    }
    return { status: 431, kind: 'too-large', title: 'Request header fields too large', detail: 'The request headers are too large.' };
  }
  return {
    status: 400,
    kind: 'invalid-input',
    title: 'Invalid input',
    detail: 'The request is not valid HTTP/1.1 (a URL must be ASCII, with anything else percent-encoded as UTF-8).',
  };
}

function lambdaContext(functionName: string, requestId: string, timeoutSeconds = FUNCTION_TIMEOUT_SECONDS): Context {
  const deadline = Date.now() + timeoutSeconds * 1000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Reads the body, stopping at the limit (returns null past it). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export interface Gateway {
  server: Server;
  /**
   * Stops accepting connections and resolves once every one is closed: requests in flight are
   * answered first, for `drainMs` at most (default 0: their connections are closed at once).
   */
  close(drainMs?: number): Promise<void>;
}

type Verdict = APIGatewaySimpleAuthorizerWithContextResult<Record<string, string>>;

/** What the request log learns while the request is served. */
interface Seen {
  keyId: string | null;
}

/** The request log's form (`LOG_FORMAT`): `text` lines, or one JSON object per line. */
export type LogFormat = 'text' | 'json';

/** What the request log says about one request: never the key itself, only its id. */
export interface AccessLogEntry {
  method: string;
  path: string;
  status: number;
  ms: number;
  requestId: string;
  /** The id of the key the authorizer accepted; null without one (a public route, no key, an unknown key). */
  keyId: string | null;
}

/** One line of the request log: `POST /path 200 144.6ms req=… key=…`, or its JSON object. */
export function accessLogLine(e: AccessLogEntry, format: LogFormat): string {
  if (format === 'json') return JSON.stringify({ time: new Date().toISOString(), ...e, ms: Number(e.ms.toFixed(1)) });
  return `${e.method} ${e.path} ${e.status} ${e.ms.toFixed(1)}ms req=${e.requestId} key=${e.keyId ?? '-'}`;
}

/** LOG_FORMAT as the local runtime reads it (docs/operations.md). */
export function logFormatOf(value: string | undefined): LogFormat {
  if (value === undefined || value === '' || value === 'text') return 'text';
  if (value === 'json') return 'json';
  throw new Error(`LOG_FORMAT must be text or json, got ${value}`);
}

export interface GatewayOptions {
  /** The request log's form; default LOG_FORMAT from the environment. */
  logFormat?: LogFormat;
  /**
   * Keep the authorizer's answer per x-api-key for `ttlMs`, as API Gateway does
   * (resultsCacheTtl), while `generation()` returns what it returned when the answer was
   * kept: the keys CLI changes it on every create and revoke, so a revocation is immediate
   * here. Without it every request runs the authorizer.
   */
  authorizerCache?: { ttlMs: number; generation: () => string };
}

/** Cached verdicts at most (oldest dropped first): a flood of made-up keys cannot grow it without bound. */
const MAX_CACHED_VERDICTS = 10_000;

/** The authorizer behind a per-key cache (see GatewayOptions.authorizerCache). */
function cachedAuthorizer(
  authorize: (key: string, requestId: string, event: () => APIGatewayRequestAuthorizerEventV2) => Promise<Verdict>,
  cache: GatewayOptions['authorizerCache'],
) {
  if (!cache) return authorize;
  const verdicts = new Map<string, { verdict: Verdict; until: number }>();
  let generation = cache.generation();
  return async (key: string, requestId: string, event: () => APIGatewayRequestAuthorizerEventV2): Promise<Verdict> => {
    const now = Date.now();
    const current = cache.generation();
    if (current !== generation) {
      verdicts.clear();
      generation = current;
    }
    const hit = verdicts.get(key);
    if (hit && hit.until > now) return hit.verdict;
    const verdict = await authorize(key, requestId, event);
    // A key changed while the authorizer ran: do not keep what it answered.
    if (cache.generation() === generation) {
      verdicts.delete(key);
      if (verdicts.size >= MAX_CACHED_VERDICTS) verdicts.delete(verdicts.keys().next().value!);
      verdicts.set(key, { verdict, until: now + cache.ttlMs });
    }
    return verdict;
  };
}

/**
 * A refusal the gateway answers itself (a missing key, as API Gateway does on AWS, where it
 * cannot be kept), kept in the facility's activity log like the handlers' own, after the answer.
 */
function keepGatewayRefusal(def: RouteDef, facilityId: string | undefined, requestId: string, p: ProblemFields): void {
  if (!isFacilityId(facilityId)) return;
  const problem = { type: problemType(p.kind as never), title: p.title, status: p.status, detail: p.detail };
  const entry = refusalOf(
    problem,
    { at: new Date().toISOString(), requestId, keyId: null, method: def.method, route: def.path },
    OPERATOR_SETTINGS.activityErrors,
  );
  recordRefusal(facilityId, entry).catch((e: Error) => console.error('refused request not kept in the activity log', requestId, e.message));
}

/** Builds the gateway over the route table; `log` receives one line per request. */
export async function createGateway(log: (line: string) => void = () => undefined, options: GatewayOptions = {}): Promise<Gateway> {
  const routes = await Promise.all(ROUTES.map(async (def) => compile(def, await loadHandler(def.entry))));
  const authorizerHandler = (await loadHandler(AUTHORIZER_ENTRY)) as unknown as (
    e: APIGatewayRequestAuthorizerEventV2,
    c: Context,
  ) => Promise<Verdict>;
  const format = options.logFormat ?? logFormatOf(process.env.LOG_FORMAT);
  // Each invocation in a context of its own, as a multi-concurrency Lambda runs them.
  const invoke = await invocationScope();
  const authorizer = cachedAuthorizer(
    (_key, requestId, event) => invoke(requestId, () => authorizerHandler(event(), lambdaContext('authorizer', requestId))),
    options.authorizerCache,
  );

  /** Requests not yet answered in full; a closing gateway waits for them (see close). */
  let inFlight = 0;
  let closing = false;
  let drained: (() => void) | undefined;
  const server = createServer(async (req, res) => {
    const started = performance.now();
    const requestId = randomUUID();
    inFlight++;
    res.once('close', () => {
      if (--inFlight === 0) drained?.();
    });
    // Once closing, no connection is kept alive for a further request.
    if (closing) res.shouldKeepAlive = false;
    const seen: Seen = { keyId: null };
    try {
      await serve(req, res, requestId, seen);
    } catch (e) {
      // The handlers answer every error themselves; what reaches here is the authorizer's
      // (storage out of reach: 503, as a route would answer) or a gateway fault (500).
      const known = toHubError(e);
      if (known && !res.headersSent) {
        const answer = problemResponse(problemOf(known, `urn:request:${requestId}`));
        res.writeHead(answer.statusCode ?? 503, { ...(answer.headers as Record<string, string>), 'x-request-id': requestId });
        res.end(answer.body);
      } else {
        console.error('gateway error', requestId, e);
        if (!res.headersSent)
          problem(res, requestId, { status: 500, kind: 'internal', title: 'Internal error', detail: 'The local gateway failed.' });
        else res.end();
      }
    } finally {
      const entry = { method: req.method ?? '-', path: req.url ?? '/', status: res.statusCode, ms: performance.now() - started, requestId };
      log(accessLogLine({ ...entry, keyId: seen.keyId }, format));
    }
  });
  // Node answers an unparsable request (a head over maxHeaderSize, raw bytes outside ASCII in
  // the URL) with a bare status line; answer problem+json instead.
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const p = clientErrorProblem(err);
    const requestId = randomUUID();
    log(
      format === 'json'
        ? JSON.stringify({ time: new Date().toISOString(), unparsed: true, status: p.status, requestId, error: err.code ?? err.message })
        : `(unparsed request) ${p.status} ${err.code ?? err.message} req=${requestId}`,
    );
    rawProblem(socket, p, requestId);
  });

  async function serve(req: IncomingMessage, res: ServerResponse, requestId: string, seen: Seen) {
    const host = req.headers.host ?? '127.0.0.1';
    // Not WHATWG URL: it would resolve %2E%2E segments that API Gateway passes on as they are.
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const url = {
      pathname: q < 0 ? rawUrl : rawUrl.slice(0, q),
      search: q < 0 ? '' : rawUrl.slice(q),
    };
    const method = (req.method ?? 'GET').toUpperCase();
    if (Buffer.byteLength(rawUrl) > MAX_URI_BYTES) {
      return problem(res, requestId, {
        status: 414,
        kind: 'too-large',
        title: 'URI too long',
        detail: `The request target exceeds ${MAX_URI_BYTES} bytes.`,
      });
    }
    const matches = routes
      .map((r) => ({ r, m: r.pattern.exec(url.pathname) }))
      .filter((x): x is { r: CompiledRoute; m: RegExpExecArray } => x.m !== null);
    if (matches.length === 0) {
      return problem(res, requestId, { status: 404, kind: 'not-found', title: 'Not found', detail: `No route ${url.pathname}.` });
    }
    const match = matches.find((x) => x.r.def.method === method);
    if (!match) {
      const allow = matches.map((x) => x.r.def.method).join(', ');
      const p = { status: 405, kind: 'method-not-allowed', title: 'Method not allowed', detail: `${url.pathname} allows ${allow}.` };
      return problem(res, requestId, p, { allow });
    }
    const { r, m } = match;

    // API Gateway decodes path and query parameters; what cannot be decoded to text is the
    // client's 400, before anything else runs (the authorizer included).
    const { query, bad } = parseQuery(url.search.slice(1));
    const pathParameters: Record<string, string> = {};
    r.params.forEach((name, i) => {
      const value = decodeComponent(m[i + 1]!, false);
      if (value === null) bad.unshift({ path: `/pathParameters/${name}`, message: 'malformed percent-encoding or not UTF-8' });
      else pathParameters[name] = value;
    });
    if (bad.length > 0) {
      const detail = 'The URL has malformed percent-encoding, or escapes of bytes that are not UTF-8.';
      return problem(res, requestId, { status: 400, kind: 'invalid-input', title: 'Invalid input', detail, errors: bad });
    }

    const body = await readBody(req, LIMITS.maxRequestBytes);
    if (body === null) {
      const detail = `The body exceeds ${LIMITS.maxRequestBytes} bytes.`;
      return problem(res, requestId, { status: 413, kind: 'too-large', title: 'Request too large', detail });
    }

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
    }
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
    // Text is passed as a string, as API Gateway does; bytes that are not UTF-8 go base64 so the
    // function sees them exactly (and refuses them) instead of a lossy decode.
    const bodyText = !headers['content-type'] || TEXT_TYPES.test(headers['content-type']) ? decodeUtf8(body) : null;
    const now = new Date();
    const routeKey = `${r.def.method} ${r.def.path}`;
    const requestContext = {
      accountId: '000000000000',
      apiId: 'local',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: headers['x-forwarded-for'],
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    };
    const rawQueryString = url.search.slice(1);

    let authorizerContext: Record<string, string> | undefined;
    if (r.def.roles.length > 0) {
      const key = headers['x-api-key'];
      if (!key) {
        // API Gateway answers a missing identity source with 401 before any function runs.
        const detail = 'Send an API key in the x-api-key header.';
        const p = { status: 401, kind: 'unauthenticated', title: 'Missing, unknown or revoked API key', detail };
        problem(res, requestId, p);
        // Kept in the facility's activity log after the answer (the handlers keep theirs: shared/middleware.ts).
        keepGatewayRefusal(r.def, pathParameters.facilityId, requestId, p);
        return;
      }
      // The event is built only when the authorizer runs (a cached answer needs none).
      const verdict = await authorizer(
        key,
        requestId,
        () =>
          ({
            version: '2.0',
            type: 'REQUEST',
            routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${method}${url.pathname}`,
            identitySource: [key],
            routeKey,
            rawPath: url.pathname,
            rawQueryString,
            cookies: [],
            headers,
            queryStringParameters: query,
            requestContext,
            pathParameters,
            stageVariables: {},
          }) as unknown as APIGatewayRequestAuthorizerEventV2,
      );
      if (!verdict.isAuthorized) {
        const detail = 'The authorizer refused this API key.';
        return problem(res, requestId, { status: 403, kind: 'forbidden', title: 'Not allowed for this API key', detail });
      }
      authorizerContext = verdict.context;
      seen.keyId = verdict.context?.keyId || null;
    }

    const event = {
      version: '2.0',
      routeKey,
      rawPath: url.pathname,
      rawQueryString,
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(r.params.length ? { pathParameters } : {}),
      requestContext: { ...requestContext, ...(authorizerContext ? { authorizer: { lambda: authorizerContext } } : {}) },
      ...(body.length ? { body: bodyText ?? body.toString('base64') } : {}),
      isBase64Encoded: body.length > 0 && bodyText === null,
    } as unknown as HubEvent;

    const context = lambdaContext(r.def.id, requestId, r.def.timeoutSeconds);
    const result = (await invoke(requestId, () => r.handler(event, context))) as APIGatewayProxyStructuredResultV2;
    const out = result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
    res.writeHead(result.statusCode ?? 200, { ...(result.headers as Record<string, string>), 'x-request-id': requestId });
    res.end(out);
  }

  return {
    server,
    close: (drainMs = 0) =>
      new Promise<void>((resolve) => {
        closing = true;
        // No new connections; idle keep-alive connections go now, busy ones once answered.
        server.close(() => resolve());
        server.closeIdleConnections();
        const cut = () => {
          drained = undefined;
          server.closeAllConnections();
        };
        if (inFlight === 0 || drainMs <= 0) return cut();
        drained = cut;
        setTimeout(cut, drainMs).unref();
      }),
  };
}
