/**
 * The HTTP side shared by the master-data routes (components, recipes, purchase orders): the
 * ERP's push and the poll, one handler module per route built from these.
 */
import type { MasterDocument, MasterKind } from '../domain/master-data.ts';
import type { BodySpec } from '../shared/body.ts';
import { httpHandler } from '../shared/handler.ts';
import { logger } from '../shared/logger.ts';
import { json } from '../shared/middleware.ts';
import { loadMasters, writeMasters } from '../store/master-data-store.ts';
import { POLLED_KINDS, type PolledKind, type PolledKindName } from '../use-cases/polled-kinds.ts';
import { MASTER_ENVELOPE, pushMasterData } from '../use-cases/push-master-data.ts';
import { pollStream } from './poll-stream.ts';

/** POST of one kind: `{"<envelope>": [...]}` upserted all or nothing. */
export function masterPushHandler<B>(
  routeId: 'pushComponents' | 'pushRecipes' | 'pushPurchaseOrders',
  kind: MasterKind,
  validate: BodySpec<B>['validate'],
) {
  const envelope = MASTER_ENVELOPE[kind];
  return httpHandler(
    routeId,
    async ({ facilityId, body }) => {
      const documents = (body as Record<string, MasterDocument[]>)[envelope]!;
      const { results, written } = await pushMasterData({ loadMasters, writeMasters }, { kind, facilityId, documents });
      logger.info('master data pushed', { facilityId, kind, documents: documents.length, written });
      return json({ results });
    },
    { documents: envelope, validate },
  );
}

/** GET of one kind: the change-stream poll, as for work orders. */
export function masterPollHandler(routeId: 'pollComponents' | 'pollRecipes' | 'pollPurchaseOrders', name: PolledKindName) {
  const kind: PolledKind = POLLED_KINDS[name];
  return httpHandler(routeId, async ({ event, caller, facilityId, query }) => pollStream(event, caller, facilityId, kind, query));
}
