/**
 * The handler builder of every keyed route: the one middleware stack (shared/middleware.ts) with
 * the facility's activity log bound in, so a refused request naming a facility is kept for the
 * operator view. The public pages use middleware.ts's publicHandler instead and bundle no store.
 */
import type { RouteId } from '../routes.ts';
import { recordRefusal } from '../store/activity-store.ts';
import type { BodySpec } from './body.ts';
import { type HandlerPorts, type HubRequest, type HubResult, handlerWith } from './middleware.ts';

/** Builds a Lambda handler for a keyed route of the route table. */
export function httpHandler<const Id extends RouteId, B = undefined>(
  routeId: Id,
  handle: (req: HubRequest<Id, B>) => Promise<HubResult>,
  body?: BodySpec<B>,
  ports: HandlerPorts = {},
) {
  return handlerWith(routeId, handle, body, { refusals: recordRefusal, ...ports });
}
