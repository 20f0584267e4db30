/**
 * The middleware stack, in one order for every handler:
 *   logger context → metrics flush → problem+json errors → header/event normalizers →
 *   well-formed parameters → key and scope check → (POST, shared/body.ts) size and depth
 *   guard, strict UTF-8 → JSON body parser → well-formed strings → envelope (bare arrays,
 *   the older form) → schema validator.
 * Handlers built with httpHandler() receive an authenticated caller, the validated
 * facility id and the validated body, and return a plain result.
 */

import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import httpEventNormalizer from '@middy/http-event-normalizer';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEventV2WithLambdaAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { forbidden, invalidInput, unauthenticated } from '../domain/errors.ts';
import { parseFacilityId } from '../domain/facility.ts';
import { type Role, type RouteDef, type RouteId, route } from '../routes.ts';
import { type BodySpec, bodyMiddlewares } from './body.ts';
import { type AuthorizerContext, type Caller, callerFromContext } from './caller.ts';
import { logger } from './logger.ts';
import { metrics } from './metrics.ts';
import { internalProblem, problemOf, problemResponse, toHubError } from './problem.ts';
import { illFormedParams } from './well-formed.ts';

export type HubEvent = APIGatewayProxyEventV2WithLambdaAuthorizer<AuthorizerContext>;
export type HubResult = APIGatewayProxyStructuredResultV2;

/** What a handler receives. */
export interface HubRequest<B> {
  event: HubEvent;
  context: Context;
  /** The authenticated caller; null only on public routes. */
  caller: Caller | null;
  /** The validated facility id of the path; null on routes without one. */
  facilityId: string | null;
  body: B;
}

/** 200 with a JSON body. */
export function json(body: unknown, statusCode = 200, headers: Record<string, string> = {}): HubResult {
  return { statusCode, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

function problemJson(): MiddlewareObj<HubEvent, HubResult> {
  return {
    onError: (request) => {
      const instance = request.context?.awsRequestId ? `urn:request:${request.context.awsRequestId}` : undefined;
      const hubError = toHubError(request.error);
      if (hubError) {
        logger.info('request rejected', { kind: hubError.kind, detail: hubError.message });
        request.response = problemResponse(problemOf(hubError, instance));
      } else {
        logger.error('unhandled error', request.error as Error);
        request.response = problemResponse(internalProblem(instance));
      }
    },
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

/** 401 without a valid key, 400 on a malformed facility id, 403 outside the key's role or facilities. */
function authorize(def: RouteDef): MiddlewareObj<HubEvent, HubResult> {
  return {
    before: (request) => {
      if (def.roles.length === 0) return;
      const caller = callerFromContext(request.event.requestContext.authorizer?.lambda);
      if (!caller) throw unauthenticated('Send a valid API key in the x-api-key header.');
      const rawFacility = request.event.pathParameters?.facilityId;
      if (rawFacility !== undefined) {
        const facilityId = parseFacilityId(rawFacility);
        if (!caller.facilities.includes('*') && !caller.facilities.includes(facilityId)) {
          throw forbidden(`This API key is not scoped to facility ${facilityId}.`);
        }
      }
      if (!(def.roles as readonly Role[]).includes(caller.role)) {
        throw forbidden(`This route is for ${def.roles.join(' or ')} keys; this key's role is ${caller.role}.`);
      }
    },
  };
}

/** Builds a Lambda handler for a route of the route table with the one middleware stack. */
export function httpHandler<B = undefined>(routeId: RouteId, handle: (req: HubRequest<B>) => Promise<HubResult>, body?: BodySpec) {
  const def = route(routeId);
  const chain = middy<HubEvent, HubResult>()
    .use(injectLambdaContext(logger))
    // Flushes the request's business metrics (EMF) after the response, errors included.
    .use(logMetrics(metrics, { throwOnEmptyMetrics: false }))
    .use(problemJson())
    .use(httpHeaderNormalizer())
    .use(httpEventNormalizer())
    .use(wellFormedParams())
    .use(authorize(def));
  if (body) chain.use(bodyMiddlewares(body));
  return chain.handler(async (event, context) => {
    const caller = def.roles.length > 0 ? callerFromContext(event.requestContext.authorizer?.lambda) : null;
    const rawFacility = event.pathParameters?.facilityId;
    return handle({
      event,
      context,
      caller,
      facilityId: rawFacility === undefined ? null : rawFacility,
      body: (event as unknown as { body: B }).body,
    });
  });
}
