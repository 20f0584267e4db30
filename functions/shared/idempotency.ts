/**
 * `Idempotency-Key` on the routes the route table flags (`idempotencyKey: true`): the first
 * request with a key claims it and runs; its success answer is kept sealed for 24 hours and
 * answered again to the same key and request; the same key with another request is a 422; a
 * repeat while the first still runs a 409. A refused or failed first request gives the key back
 * (nothing was done). Decisions in domain/idempotency.ts, the record in store/idempotency-store.ts.
 *
 * Why not Powertools' idempotency utility: it would keep the answer in plain text, and a new
 * subscription's or a rotation's answer is a signing secret the hub otherwise stores only
 * sealed; scoping keys per API key and route, answering 422/409 as problems and replaying the
 * kept headers would each need adapting; and it adds two packages to these functions' cold start.
 *
 * The store is handed in by the route's handler (httpHandler's `ports`), not imported here: the
 * middleware is in every function's bundle, and the public ones (health, the docs) would
 * otherwise carry the DynamoDB client (health's bundle 165 KB → 720 KB).
 */
import { randomUUID } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import { conflict } from '../domain/errors.ts';
import {
  decide,
  IDEMPOTENCY_HEADER,
  IDEMPOTENCY_TTL_SECONDS,
  idempotencyKeyHash,
  isKept,
  keptAnswer,
  openAnswer,
  parseIdempotencyKey,
  requestFingerprint,
  sealAnswer,
} from '../domain/idempotency.ts';
import { FUNCTION_TIMEOUT_SECONDS, type RouteDef } from '../routes.ts';
import type { IdempotencyStore } from '../store/idempotency-store.ts';
import { callerFromContext } from './caller.ts';
import { logger } from './logger.ts';
import type { HubEvent, HubResult } from './middleware.ts';

interface Held {
  slot: Parameters<IdempotencyStore['claim']>[0];
  owner: string;
  apiKey: string;
  key: string;
}

/**
 * Runs after the key check (it needs the caller) and before the body is parsed (it fingerprints
 * the body as sent). A repeat's answer skips the rest of the stack: `stamp` adds what every
 * answer carries (the request id, the security headers).
 */
export function idempotency(
  def: RouteDef,
  store: IdempotencyStore,
  stamp: (event: HubEvent, result: HubResult) => HubResult,
): MiddlewareObj<HubEvent, HubResult> {
  const held = new WeakMap<object, Held>();
  const lockMs = ((def.timeoutSeconds ?? FUNCTION_TIMEOUT_SECONDS) + 5) * 1000;
  return {
    before: async (request) => {
      const { event } = request;
      const key = parseIdempotencyKey(event.headers?.[IDEMPOTENCY_HEADER]);
      if (key === undefined) return;
      const caller = callerFromContext(event.requestContext.authorizer?.lambda);
      const apiKey = event.headers?.['x-api-key'];
      if (!caller || !apiKey) return;
      const slot = { keyId: caller.keyId, routeId: def.id, keyHash: idempotencyKeyHash(key) };
      const fingerprint = requestFingerprint({
        method: event.requestContext.http.method,
        path: event.rawPath,
        query: event.rawQueryString ?? '',
        body: `${event.isBase64Encoded ? 'b64:' : 'text:'}${typeof event.body === 'string' ? event.body : ''}`,
      });
      const owner = randomUUID();
      for (let round = 0; ; round++) {
        const now = Date.now();
        const claimed = await store.claim(slot, {
          fingerprint,
          owner,
          lockedUntil: now + lockMs,
          expiresAt: Math.floor(now / 1000) + IDEMPOTENCY_TTL_SECONDS,
          now,
        });
        if (claimed === true) {
          held.set(request, { slot, owner, apiKey, key });
          return;
        }
        // Released between the claim and the read: claim again.
        if (claimed === null && round < 2) continue;
        if (claimed === null)
          throw conflict('The first request with this Idempotency-Key keeps changing; nothing was done. Send it again.');
        const decision = decide(claimed, fingerprint);
        if ('error' in decision) throw decision.error;
        const answer = openAnswer(decision.replay, apiKey, key);
        if (!answer) throw conflict('The answer kept for this Idempotency-Key cannot be read; nothing was done. Use a new key.');
        logger.info('idempotent repeat answered', { routeId: def.id, status: answer.statusCode });
        return stamp(event, {
          statusCode: answer.statusCode,
          headers: { ...answer.headers, 'idempotent-replayed': 'true' },
          body: answer.body,
        });
      }
    },
    after: async (request) => {
      const h = held.get(request);
      if (!h) return;
      held.delete(request);
      const response = request.response;
      if (response && isKept(response.statusCode)) {
        const answer = keptAnswer(response as { statusCode?: number; headers?: Record<string, unknown>; body?: string });
        // What was done is done: a failure to keep the answer must not turn it into a 500 (the
        // record stays `running` until its lock ends, then the key may be used again).
        await store
          .complete(h.slot, h.owner, sealAnswer(answer, h.apiKey, h.key))
          .catch((e: Error) => logger.warn('idempotent answer not kept', { routeId: def.id, error: e.message }));
      } else await store.release(h.slot, h.owner);
    },
    onError: async (request) => {
      const h = held.get(request);
      if (!h) return;
      held.delete(request);
      await store.release(h.slot, h.owner);
    },
  };
}
