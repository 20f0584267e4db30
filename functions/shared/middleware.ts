/**
 * The middleware stack, in one order for every handler:
 *   security headers → logger context → metrics flush → problem+json errors → header/event normalizers →
 *   well-formed parameters → key and scope check → (POST, shared/body.ts) size and depth
 *   guard, strict UTF-8 → JSON body parser → well-formed strings → envelope (bare arrays,
 *   the older form) → schema validator → path and query parameters against the route's schemas.
 * Handlers built with httpHandler() receive an authenticated caller, the validated
 * facility id, path and query parameters and body, and return a plain result.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { type ErrorItem, forbidden, type HubError, invalidInput, unauthenticated } from '../domain/errors.ts';
import { isFacilityId, parseFacilityId } from '../domain/facility.ts';
import { type RefusedRequest, refusalOf } from '../domain/refusals.ts';
import { byName as paramValidators } from '../generated/params.cjs';
import { type PathParamsOf, type QueryOf, type ROUTES, type Role, type RouteDef, type RouteId, route } from '../routes.ts';
import type { IdempotencyStore } from '../store/idempotency-store.ts';
import { type BodySpec, bodyMiddlewares, bodyOf, type DocumentExtras, type DocumentWarnings } from './body.ts';
import { type AuthorizerContext, type Caller, callerFromContext } from './caller.ts';
import { OPERATOR_SETTINGS } from './config.ts';
import { idempotency } from './idempotency.ts';
import { logger } from './logger.ts';
import { metrics } from './metrics.ts';
import { ajvErrorItem, internalProblem, type Problem, problemOf, problemResponse, toHubError } from './problem.ts';
import { illFormedParams } from './well-formed.ts';

export type HubEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type HubResult = APIGatewayProxyStructuredResultV2;

type RouteOf<Id extends RouteId> = Extract<(typeof ROUTES)[number], { id: Id }>;

/**
 * What the handler of route `Id` receives, typed from the route table: public routes get
 * no caller, routes under /facility/{facilityId} get the checked facility id, every route its
 * path and query parameters as its schemas admitted them, POST routes the validated body of
 * their schema's type and, per document index, the values the canonical form cannot hold: named
 * (`warnings`) and kept to serve back in the older form (`extras`).
 */
export interface HubRequest<Id extends RouteId, B = undefined> {
  event: HubEvent;
  context: Context;
  caller: RouteOf<Id>['roles'] extends readonly [] ? null : Caller;
  facilityId: RouteOf<Id>['path'] extends `${string}{facilityId}${string}` ? string : null;
  params: PathParamsOf<RouteOf<Id>>;
  query: QueryOf<RouteOf<Id>>;
  body: B;
  warnings: DocumentWarnings;
  extras: DocumentExtras;
}

/** 200 with a JSON body. */
export function json(body: unknown, statusCode = 200, headers: Record<string, string> = {}): HubResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/**
 * The URL path of a resource from its path segments, each percent-encoded: what a 201's
 * `Location` names (relative to the API's base URL, as RFC 9110 allows).
 */
export const resourcePath = (...segments: string[]): string => `/${segments.map(encodeURIComponent).join('/')}`;

/**
 * The id of the request: API Gateway's `$context.requestId` (on AWS also in its access log and its
 * `apigw-requestid` header; locally the gateway's id, which is the function's awsRequestId too),
 * else the function's own. Every answer carries it as `x-request-id`, every problem as `instance`.
 */
export function requestIdOf(event: HubEvent | undefined, context: Context | undefined): string | undefined {
  return event?.requestContext?.requestId || context?.awsRequestId || undefined;
}

/** Keeps a refused request in its facility's activity log (store/activity-store.ts `recordRefusal`). */
export type RecordRefusal = (facilityId: string, entry: RefusedRequest) => Promise<void>;
type OnRefusal = (def: RouteDef, event: HubEvent, requestId: string | undefined, problem: Problem) => Promise<void>;

function problemJson(def: RouteDef, onRefusal: OnRefusal | null): MiddlewareObj<HubEvent, HubResult> {
  return {
    onError: async (request) => {
      const requestId = requestIdOf(request.event, request.context);
      const instance = requestId ? `urn:request:${requestId}` : undefined;
      const hubError = toHubError(request.error);
      if (hubError) {
        logger.info('request rejected', { kind: hubError.kind, detail: hubError.message });
        const problem = problemOf(hubError, instance);
        request.response = problemResponse(problem);
        await onRefusal?.(def, request.event, requestId, problem);
      } else {
        logger.error('unhandled error', request.error as Error);
        request.response = problemResponse(internalProblem(instance));
      }
    },
  };
}

/**
 * Keeps a 4xx answered to a request naming a facility in that facility's activity log (the
 * operator view) through `record` (store/activity-store.ts, handed in by shared/handler.ts): one
 * or two small writes, only on a refusal; a failure to keep it never changes the answer.
 */
async function keepRefusal(
  record: RecordRefusal,
  def: RouteDef,
  event: HubEvent,
  requestId: string | undefined,
  problem: Problem,
): Promise<void> {
  const facilityId = event?.pathParameters?.facilityId;
  if (problem.status >= 500 || !requestId || !isFacilityId(facilityId)) return;
  try {
    const keyId = callerFromContext(event.requestContext?.authorizer?.lambda)?.keyId ?? null;
    const at = new Date().toISOString();
    const entry = refusalOf(problem, { at, requestId, keyId, method: def.method, route: def.path }, OPERATOR_SETTINGS.activityErrors);
    await record(facilityId, entry);
  } catch (e) {
    logger.warn('refused request not kept in the activity log', { error: (e as Error).message });
  }
}

/** Headers every answer carries, errors included: no client may sniff a type other than the one declared. */
export const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff' } as const;

/** An answer with what every answer carries: the security headers and the request id. */
export function stamped(event: HubEvent | undefined, context: Context | undefined, result: HubResult): HubResult {
  const requestId = requestIdOf(event, context);
  return { ...result, headers: { ...result.headers, ...SECURITY_HEADERS, ...(requestId ? { 'x-request-id': requestId } : {}) } };
}

function answerHeaders(): MiddlewareObj<HubEvent, HubResult> {
  const add = (request: { event: HubEvent; context: Context; response: HubResult | null | undefined }) => {
    if (request.response) request.response = stamped(request.event, request.context, request.response);
  };
  return {
    // The request id on every log line of the request too (on AWS beside Lambda's own function_request_id).
    before: (request) => {
      const requestId = requestIdOf(request.event, request.context);
      if (requestId) logger.appendKeys({ request_id: requestId });
    },
    after: add,
    onError: add,
  };
}

/**
 * Path and query parameters as API Gateway decoded them must be well-formed Unicode: a lone
 * surrogate (or any text that cannot be sent back in a URL) never reaches a handler or a key.
 */
function wellFormedParams(): MiddlewareObj<HubEvent, HubResult> {
  return {
    before: (request) => {
      const errors = [
        ...illFormedParams(request.event.pathParameters, 'pathParameters'),
        ...illFormedParams(request.event.queryStringParameters, 'queryStringParameters'),
      ];
      if (errors.length > 0) throw invalidInput('A path or query parameter is not well-formed Unicode.', errors);
    },
  };
}

/**
 * Whether `caller` may call route `def` at the facility of the path (undefined: a route without
 * one): null when it may, else the error to answer — 401 without a valid key, 400 on a malformed
 * facility id, 403 outside the key's facilities or role (every facility, for a route over all of them). The route table's roles are the only
 * source (test/unit/role-matrix.test.ts holds them to the contract).
 */
export function accessError(def: RouteDef, caller: Caller | null, rawFacility: string | undefined): HubError | null {
  if (def.roles.length === 0) return null;
  if (!caller) return unauthenticated('Send a valid API key in the x-api-key header.');
  if (rawFacility !== undefined) {
    const facilityId = parseFacilityId(rawFacility);
    if (!caller.facilities.includes('*') && !caller.facilities.includes(facilityId)) {
      return forbidden(`This API key is not scoped to facility ${facilityId}.`);
    }
  }
  if (!(def.roles as readonly Role[]).includes(caller.role)) {
    return forbidden(`This route is for ${def.roles.join(' or ')} keys; this key's role is ${caller.role}.`);
  }
  if (def.allFacilities && !caller.facilities.includes('*')) {
    return forbidden(
      "This route reads every facility of the stack: it is for keys covering every facility ('*'); use the facility's own route.",
    );
  }
  return null;
}

/** 401 without a valid key, 400 on a malformed facility id, 403 outside the key's role or facilities (every facility, for a route over all of them). */
function authorize(def: RouteDef): MiddlewareObj<HubEvent, HubResult> {
  return {
    before: (request) => {
      const caller = callerFromContext(request.event.requestContext.authorizer?.lambda);
      const error = accessError(def, caller, request.event.pathParameters?.facilityId);
      if (error) throw error;
    },
  };
}

/**
 * Path and query parameters against their schemas (route-params.ts, precompiled into
 * generated/params.cjs): the route's path parameters in the template's order, then its query
 * parameters in the table's order; a 400 naming the first that does not fit. Parameters the
 * route does not take pass, as API Gateway passes them.
 */
function validParams(def: RouteDef): MiddlewareObj<HubEvent, HubResult> | null {
  const checks = [
    ...[...def.path.matchAll(/\{(\w+)\}/g)].map((m) => ['pathParameters', m[1]!] as const),
    ...('query' in def && def.query ? def.query : []).map((name) => ['queryStringParameters', name] as const),
  ];
  if (checks.length === 0) return null;
  return {
    before: (request) => {
      for (const [where, name] of checks) {
        const value = request.event[where]?.[name];
        const validate = paramValidators[name];
        if (value === undefined || !validate || validate(value)) continue;
        const errors: ErrorItem[] = (validate.errors ?? []).slice(0, 1).map((e) => ajvErrorItem(e, `/${where}/${name}`));
        throw invalidInput(errors[0] ? `${name} ${errors[0].message}.` : `${name} is not valid.`, errors);
      }
    },
  };
}

/**
 * What the middleware needs from storage, handed in (this module imports no store: every
 * function, the public ones too, bundles it).
 */
export interface HandlerPorts {
  /** For a route the table flags `idempotencyKey` (store/idempotency-store.ts, `idempotencyStore`). */
  idempotency?: IdempotencyStore;
  /** Where refused requests naming a facility are kept (shared/handler.ts hands it to every keyed route). */
  refusals?: RecordRefusal;
}

/** The part of the stack every route has: headers, logs, metrics, problem+json, normalized and well-formed parameters. */
function baseChain(def: RouteDef, onRefusal: OnRefusal | null) {
  return (
    middy<HubEvent, HubResult>()
      // First in, so last out: its after and onError see the final response, problem+json included.
      .use(answerHeaders())
      .use(injectLambdaContext(logger, { resetKeys: true }))
      // Flushes the request's business metrics (EMF) after the response, errors included.
      .use(logMetrics(metrics, { throwOnEmptyMetrics: false }))
      .use(problemJson(def, onRefusal))
      .use(httpHeaderNormalizer())
      .use(httpEventNormalizer())
      .use(wellFormedParams())
  );
}

/**
 * Builds the handler of a public page (health, the OpenAPI document, /docs, /console): no key, no
 * parameters, no body, nothing stored (a public route never names a facility: no activity log).
 * Its bundle carries no store, so no DynamoDB client.
 */
export function publicHandler<const Id extends RouteId>(routeId: Id, handle: () => Promise<HubResult>) {
  const def = route(routeId);
  if (def.roles.length > 0 || def.path.includes('{')) throw new Error(`${routeId} is not a public page: use httpHandler`);
  return baseChain(def, null).handler(() => handle());
}

/**
 * Builds a Lambda handler for a route of the route table with the one middleware stack, over the
 * ports given. Handlers use shared/handler.ts's `httpHandler`, which hands in the activity log;
 * this module imports no store, so the public pages' bundles (publicHandler) carry none.
 */
export function handlerWith<const Id extends RouteId, B = undefined>(
  routeId: Id,
  handle: (req: HubRequest<Id, B>) => Promise<HubResult>,
  body?: BodySpec<B>,
  ports: HandlerPorts = {},
) {
  // A flagged route's handler hands in the store (test/unit/idempotency.test.ts checks each does).
  const def = route(routeId);
  const { refusals } = ports;
  const onRefusal: OnRefusal | null = refusals ? (...args) => keepRefusal(refusals, ...args) : null;
  const chain = baseChain(def, onRefusal).use(authorize(def));
  // Before the body is parsed: a repeat is fingerprinted by the body as sent.
  if (ports.idempotency) chain.use(idempotency(def, ports.idempotency, (event, result) => stamped(event, undefined, result)));
  if (body) chain.use(bodyMiddlewares(body));
  // After the body, as the handlers read them before: a request wrong in both is answered about its body.
  const params = validParams(def);
  if (params) chain.use(params);
  return chain.handler(async (event, context) => {
    // authorize() has checked both by now: a caller on every keyed route, the facility on every facility route.
    const caller = def.roles.length > 0 ? callerFromContext(event.requestContext.authorizer?.lambda) : null;
    const facilityId = event.pathParameters?.facilityId ?? null;
    const { body: validated, warnings, extras } = bodyOf(event);
    // The one place the route table's types meet the event's: parameters and body are what the validators admitted.
    const request = {
      event,
      context,
      caller,
      facilityId,
      params: event.pathParameters ?? {},
      query: event.queryStringParameters ?? {},
      body: validated,
      warnings,
      extras,
    } as HubRequest<Id, B>;
    return handle(request);
  });
}
