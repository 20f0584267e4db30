/**
 * What the OpenAPI document (scripts/build-openapi.ts) says about each route of the route
 * table beyond its wiring: descriptions, answers, problems, examples, and the parameters'
 * prose. Read only by the build: no handler imports this module (cold starts stay cheap).
 * A route of routes.ts without an entry here fails the build (`satisfies Record<RouteId, ...>`).
 */
import { ORDER_STATUSES } from './domain/summaries.ts';
import type { ParamSchema, PathParamName, QueryParamName, RouteId } from './routes.ts';

/** The request and answers of a route as the reference describes them. Schema names are the `title`s of schemas/. */
export interface RouteDoc {
  /** A short line for the Lambda description, logs and the reference (its operation summary). */
  summary: string;
  /** Longer text for the reference (Markdown). */
  description?: string;
  /**
   * About the body (its schema is the route's `body`). `documents`: a MixTicket document route,
   * whose body may also be a bare array of documents or documents in the older form (generated
   * Legacy* schemas). `single`: the body is one such document (not an envelope), in either form.
   */
  body?: {
    documents?: { envelope: string; schema: string };
    single?: boolean;
    /** Request examples: files under test/fixtures/. */
    examples?: readonly string[];
  };
  /** Success answers by status. */
  responses: Readonly<Record<number, ResponseDoc>>;
  /** Problem statuses this route answers besides those of every route (400, 500, 503; 401 and 403 with a key). */
  problems?: readonly number[];
  /** The route takes an optional `If-Match` header: what it names (the reference documents it, and its 412). */
  ifMatch?: string;
}

export interface ResponseDoc {
  description: string;
  /** A schema title; absent: no body. */
  schema?: string;
  /** format=legacy serves a bare array of this schema instead. */
  legacy?: string;
  /** Response headers: `link` (rel="next" while more remain), `location` (a redirect's target, a 201's created resource). */
  headers?: readonly ('link' | 'location')[];
  /** Media type, when not application/json. */
  mediaType?: string;
  /** The same rows are also served as CSV (RFC 4180, header row first) to `Accept: text/csv`. */
  csv?: boolean;
}

/**
 * A parameter as the reference describes it. `schema`: the form the reference shows where it is
 * narrower than what the middleware checks (routes.ts): ids the hub issued (another answers 404),
 * and values whose rules the domain applies after the check (times, limits, cursors).
 */
export interface ParamDoc {
  description: string;
  example?: string | number;
  schema?: ParamSchema | IntegerParamSchema;
}

/**
 * A parameter that is a number: an integer in the reference, so that a generated client takes
 * `limit: 1`. It arrives as text all the same; the middleware checks its form, the domain its range.
 */
export interface IntegerParamSchema {
  type: 'integer';
  minimum: number;
  maximum: number;
}

const timeParam = (description: string): ParamDoc => ({ description, example: '2026-03-01T00:00:00Z' });

export const PARAM_DOCS = {
  facilityId: { description: 'The facility: 1 to 64 characters of A-Z a-z 0-9 . _ -, and not "." or "..".', example: 'PLANT-7' },
  workOrderNumber: {
    description: "The order's `workOrderIdentifier.number`: 1 to 128 characters, no control characters.",
    example: 'WO-1001',
  },
  workRecordNumber: {
    description: "The record's `workRecordIdentifier.number`: 1 to 128 characters, no control characters.",
    example: 'WR-5001',
  },
  purchaseOrderNumber: {
    description: "The purchase order's `identifier.number`: 1 to 128 characters, no control characters.",
    example: 'PO-2001',
  },
  documentId: {
    description: 'A document id as the hub issued it (`doc_` and 32 hex digits).',
    schema: { type: 'string', pattern: '^doc_[0-9a-f]{32}$' },
    example: 'doc_0123456789abcdef0123456789abcdef',
  },
  subscriptionId: {
    description: 'A webhook subscription id as the hub issued it (`sub_` and 24 hex digits).',
    schema: { type: 'string', minLength: 1, maxLength: 64 },
    example: 'sub_0123456789abcdef01234567',
  },
  lastExecutionDateTime: {
    description:
      'The time of your previous successful call, by your clock: ISO 8601 with a zone (`Z` or `±hh:mm`); a `+` that arrived as a space is read as `+`. Without it: the initial load.',
    schema: { type: 'string', pattern: '^\\s*\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?([Zz]|[+ -]\\d{2}:?\\d{2})\\s*$' },
    example: '2026-03-01T08:00:00Z',
  },
  format: {
    description:
      "The document form to serve: `canonical`, `legacy` (the standard's older PascalCase form, a bare array, code lists as the .NET library's names) or `legacy-numeric` (the same with code lists as integers). Default: the key's.",
  },
  cursor: {
    description: 'Where the next page starts: only as given in `Link: <...>; rel="next"`.',
    schema: { type: 'string', minLength: 1 },
  },
  agency: {
    description: 'The agency of the identifier, when two agencies use the same number at the facility.',
  },
  status: {
    description: `Only rows in these statuses. Order summaries: hub statuses, comma-separated: ${ORDER_STATUSES.join(', ')} (default: every status). The delivery log: one of pending, delivered, failed.`,
    schema: { type: 'string', minLength: 1 },
    example: 'open,onHold',
  },
  createdFrom: timeParam('Orders created at or after this time (ISO 8601 with a zone). Sorts by creation time.'),
  createdTo: timeParam('Orders created before this time (exclusive). Sorts by creation time.'),
  modifiedFrom: timeParam('Orders last changed at or after this time (ISO 8601 with a zone).'),
  modifiedTo: timeParam('Orders last changed before this time (exclusive).'),
  limit: {
    description: 'Rows per page: 1 to 1000 for order summaries (default 100), 1 to 100 for the delivery log (default 20).',
    schema: { type: 'integer', minimum: 1, maximum: 1000 },
    example: 100,
  },
  from: {
    description:
      'Start of the period, inclusive: a date-time with a zone, any instant to the millisecond, or a date `YYYY-MM-DD` (midnight in `tz`); from the date 2000-01-01 on.',
    example: '2026-03-01',
  },
  to: {
    description:
      'End of the period, exclusive: as `from`, up to the date 9999-01-01. The period may span years: at most 3,660 days by product, 367 by day or by order (longer → 400 naming the limit).',
    example: '2026-04-01',
  },
  groupBy: { description: 'Rows per product (default), per product and day (in `tz`), or per product and work order.' },
  tz: {
    description:
      'The IANA time zone that dates and days are counted in (default UTC), links and legacy names included (EST5EDT, US/Eastern); DST changes are counted exactly.',
    example: 'America/Chicago',
  },
  component: {
    description: "A component's `identifier.number`: only its rows (every agency using that number).",
    example: 'C-UREA',
  },
  location: { description: 'Only the rows of this stock location.' },
  include: { description: '`movements`: add to each row the ledger lines that explain it (needs `component`).' },
  revision: {
    description: "A revision of the record (1 is the record as first submitted): answers that revision's document; past the latest → 404.",
    schema: { type: 'integer', minimum: 1, maximum: 999999 },
    example: 1,
  },
  lot: {
    description:
      "The lot to trace: its `lotIdentifier.number` (a receipt's `lot.number`). Add `agency` when more than one lot of the facility (of the stack, on `/trace`) has this number.",
    example: '24-0117',
  },
  workRecord: {
    description:
      "A work record's `workRecordIdentifier.number`: what went into it (a backward trace). Add `agency` when two records share the number.",
    example: 'WR-5001',
  },
  direction: {
    description: '`forward` (default): where the lot went. `backward`: what went into it (its receipts, the blends that made it).',
  },
} satisfies Record<PathParamName | QueryParamName, ParamDoc>;

/** The push of a master-data kind. */
const masterPush = (what: string): RouteDoc => ({
  summary: `upsert ${what}`,
  description: 'All or nothing, upserts by `identifier`: new → `created`, identical → `unchanged`, changed → `updated` (revision + 1).',
  responses: { 200: { description: "Each document's outcome, by index.", schema: 'MasterDataResults' } },
  problems: [409, 413, 415, 429],
});

/** The poll of a master-data kind; `initial`: what the initial load serves. */
const masterPoll = (what: string, schema: string, initial: string): RouteDoc => ({
  summary: `poll ${what} changed since lastExecutionDateTime`,
  description: `Under the work orders' no-loss rules. Without \`lastExecutionDateTime\`: the initial load (${initial}).`,
  responses: { 200: { description: 'A page of documents as the ERP last sent them.', schema, headers: ['link'] } },
  problems: [429],
});

export const ROUTE_DOCS = {
  health: { summary: 'liveness', responses: { 200: { description: 'The hub is up.', schema: 'HealthResponse' } } },
  pushWorkOrders: {
    summary: 'push work orders (create, update, hold, cancel)',
    description:
      'All or nothing: every document applies, or none does and the problem names each failing document by its index. `workOrderType` says what to do: create, update, hold or cancel.',
    body: {
      documents: { envelope: 'dispensingWorkOrder', schema: 'DispensingWorkOrder' },
      examples: ['quickstart-orders.json', 'canonical/work-order-blended.json', 'legacy/work-order-single.json'],
    },
    responses: { 200: { description: "Each document's outcome, by index.", schema: 'WorkOrderResults' } },
    problems: [404, 409, 413, 415, 429],
  },
  pollWorkOrders: {
    summary: 'poll work orders changed since lastExecutionDateTime',
    description:
      'Every order the ERP created or changed since `lastExecutionDateTime`, each once, in its latest form, oldest change first. Send the time of your previous successful call; keep the old value when a call fails; follow `Link: rel="next"` while it is there.',
    responses: {
      200: { description: 'A page of orders.', schema: 'DispensingWorkOrderPoll', legacy: 'LegacyDispensingWorkOrder', headers: ['link'] },
    },
    problems: [429],
  },
  getWorkOrder: {
    summary: 'one work order with its hub state',
    responses: { 200: { description: 'The order with its hub state.', schema: 'WorkOrderView' } },
    problems: [404, 409],
  },
  acknowledgeWorkOrders: {
    summary: 'acknowledge receipt of work orders (accepted or rejected)',
    body: {
      documents: { envelope: 'acknowledgeWorkOrderReceipt', schema: 'AcknowledgeWorkOrderReceipt' },
      examples: ['quickstart-acknowledgement.json', 'legacy/acknowledgement.json'],
    },
    responses: { 200: { description: "Each order's status after the acknowledgement.", schema: 'AcknowledgementResults' } },
    problems: [404, 409, 413, 415, 429],
  },
  submitWorkRecords: {
    summary: 'submit work records with their Bills of Lading',
    description:
      'All or nothing, like orders. A Bill of Lading travels inline (base64 in `associatedDocument[].file`) or by a direct upload named in `associatedDocument[].identifier`.',
    body: {
      documents: { envelope: 'dispensingWorkRecord', schema: 'DispensingWorkRecord' },
      examples: ['quickstart-record.json', 'canonical/work-record-blended.json', 'legacy/work-record-single.json'],
    },
    responses: { 200: { description: "Each record's outcome, by index.", schema: 'WorkRecordResults' } },
    problems: [404, 409, 413, 415, 429],
  },
  pollWorkRecords: {
    summary: 'poll work records submitted since lastExecutionDateTime',
    description: 'Every record the PCS submitted since `lastExecutionDateTime`, under the same no-loss rules as the order poll.',
    responses: {
      200: {
        description: 'A page of records.',
        schema: 'DispensingWorkRecordPoll',
        legacy: 'LegacyDispensingWorkRecord',
        headers: ['link'],
      },
    },
    problems: [429],
  },
  getWorkRecord: {
    summary: 'one work record with its revision, status and audit trail',
    description:
      "The record in its latest revision (or, with `?revision=N`, that revision's document: the audit trail), its status (`voided` after a void, until a correction), whether its order is known, its history (every revision: when, by which key, what, and a void's reason) and the stored documents of every revision, none ever deleted.",
    responses: { 200: { description: 'The record with its hub state.', schema: 'WorkRecordView' } },
    problems: [404, 409],
  },
  correctWorkRecord: {
    summary: 'correct one work record (a new revision; never edited in place)',
    description:
      "The body is the whole record, in either form; its `workRecordIdentifier.number` must be the path's and `?agency=`, when given, its agency. Identical to the latest revision → `unchanged`; otherwise `corrected`, revision + 1, and the ERP's records poll and webhooks serve the record again in its new revision. Unknown record → 404 (records are created by POST). A correction cannot move a record to another order (400). New Bills of Lading travel as on POST; earlier revisions' documents stay downloadable.",
    body: { single: true, examples: ['canonical/work-record-single.json'] },
    responses: { 200: { description: 'The record was corrected, or was identical (`unchanged`).', schema: 'WorkRecordCorrectionResult' } },
    problems: [404, 409, 412, 413, 415, 429],
    ifMatch:
      'Makes the correction conditional: `"<revision>"`, the revision the correction was made from. Another latest revision → 412, nothing applied.',
  },
  voidWorkRecord: {
    summary: 'void one work record (a correction to zero quantities, with the reason)',
    description:
      'A new revision whose every `actualQuantity` (product groups, products, source and destination containers) is 0 in its own unit, with a comment (`commentType` `BolComment`, identifier `AssignedByReciever`/`MIXTICKET-VOID`) reading `Voided: <reason>`. Already voided → `unchanged`. A voided record is corrected again with a PUT.',
    responses: { 200: { description: 'The record was voided, or was voided already (`unchanged`).', schema: 'WorkRecordVoidResult' } },
    problems: [404, 409, 413, 415, 429],
  },
  createDocumentUpload: {
    summary: 'ask for a direct upload of a large document',
    responses: {
      201: { description: 'A presigned POST for the upload, valid 15 minutes.', schema: 'DocumentUpload', headers: ['location'] },
    },
    problems: [413, 415, 429],
  },
  getDocument: {
    summary: 'download a stored document (302 to a short-lived URL)',
    responses: { 302: { description: 'Redirect to a short-lived download URL.', headers: ['location'] } },
    problems: [404],
  },
  openApi: {
    summary: 'the OpenAPI 3.1 document of every route',
    responses: { 200: { description: 'This document.', schema: 'OpenApiDocument' } },
  },
  docs: {
    summary: 'the API reference as one self-contained HTML page',
    responses: { 200: { description: 'The reference page.', mediaType: 'text/html' } },
  },
  console: {
    summary: 'the operator console: one self-contained HTML page over the operator view',
    description:
      "Loads nothing from other hosts (a strict Content-Security-Policy); asks for an operator or erp key, keeps it in the tab's session storage only and sends it as `x-api-key` to this hub. Shows the facilities with their health; per facility the pollers, subscriptions with dead letters and replay/enable buttons, refused requests, recent orders, a record's revision history, 30 days of consumption and stock.",
    responses: { 200: { description: 'The console page.', mediaType: 'text/html' } },
  },
  upsertWorkOrder: {
    summary: 'upsert one work order by its number (created, updated or put on hold)',
    description:
      "MES style: an unknown number is created (201), a known one replaced (200 `updated`, or `unchanged` when identical), with a push's lifecycle rules and revision counting. The body is one document in either form; its `workOrderIdentifier.number` must be the path's. `workOrderType` `create`/`update` upserts (releasing an order on hold), `hold` holds, `cancel` is refused (use DELETE). An order cancelled, in progress or complete answers 409.",
    body: { single: true, examples: ['canonical/work-order-blended.json'] },
    responses: {
      200: { description: 'The order was updated, or was identical (`unchanged`).', schema: 'WorkOrderUpsertResult' },
      201: { description: 'The order was created.', schema: 'WorkOrderUpsertResult', headers: ['location'] },
    },
    problems: [409, 413, 415, 429],
  },
  cancelWorkOrder: {
    summary: 'cancel one work order (never erases it)',
    description:
      'Cancels the order; pollers are served the cancel like any other change. Idempotent: an order cancelled already answers 200 `unchanged`, its revision and `modifiedAt` as they were. In progress or complete: 409.',
    responses: { 200: { description: 'The order view after the cancel, with the outcome.', schema: 'WorkOrderCancelResult' } },
    problems: [404, 409, 429],
  },
  listWorkOrderSummaries: {
    summary: 'search and list work orders with their hub state, filtered and paged (JSON or CSV)',
    description:
      'Filters by status and by a created or a modified range (no cap on the range; not both kinds in one query), newest first by the time filtered on, paged by `limit` and an opaque cursor. Reads no poller state and writes nothing. `Accept: text/csv` answers the same rows as CSV, header row first; cells that a spreadsheet would read as a formula are escaped.',
    responses: { 200: { description: 'A page of summaries.', schema: 'WorkOrderSummaries', headers: ['link'], csv: true } },
    problems: [429],
  },
  getPurchaseOrder: {
    summary: 'one purchase order with what has been received against each line',
    responses: {
      200: {
        description: 'The order as the ERP last sent it, with received quantities, receipts and status.',
        schema: 'PurchaseOrderView',
      },
    },
    problems: [404, 409],
  },
  submitReceipts: {
    summary: 'report goods received into stock (against a purchase order line or not)',
    description:
      'All or nothing; idempotent by `receiptId` (identical again → `unchanged`, other content → 409). Each receipt moves its balance and, when it names one, its purchase order line in the same transaction.',
    body: { examples: ['quickstart-receipt.json'] },
    responses: { 200: { description: "Each receipt's outcome, by index.", schema: 'ReceiptResults' } },
    problems: [409, 413, 415, 429],
  },
  submitStockCounts: {
    summary: "report physical counts: each sets a component's stock at a location at its time",
    description:
      'All or nothing; idempotent by `countId`. A count sets the level at `countedAt`; movements dated after it apply on top, movements dated before it stay in the ledger only.',
    responses: { 200: { description: "Each count's outcome, by index.", schema: 'StockCountResults' } },
    problems: [409, 413, 415, 429],
  },
  getStock: {
    summary: 'current stock per component and location, from receipts, counts and dispensing',
    description:
      "Read from balances kept with every movement, never from the records: in the component's unit, in kilograms where a mass unit or density allows, with what cannot be converted listed apart.",
    responses: { 200: { description: 'Stock rows.', schema: 'StockView' } },
    problems: [404],
  },
  getConsumption: {
    summary: 'what was dispensed in a period, per product (and per day or per order), JSON or CSV',
    description:
      "What the facility's work records say was dispensed in `[from, to)`, dated by each record's `dispensingEndDateTime` (else `workRecordCreationDateTime`); per product and unit, exact decimal totals, each record by its latest revision (a voided one not at all). `from` and `to` may be any instants: the cost grows with days × products, plus the records of the partial 15-minute slots at the two edges of a range that does not start or end on a slot edge. `Accept: text/csv` answers the same rows as CSV.",
    responses: { 200: { description: 'The report.', schema: 'ConsumptionReport', csv: true } },
    problems: [429],
  },
  traceLot: {
    summary: 'lot traceability: where a lot went (forward) or what went into a lot or record (backward), JSON or CSV',
    description:
      "Forward (`?lot=`): the lot's receipts, every record that used it directly or through blend lots made from it (`via`), with the quantity of its line and its order's parties; `possible`: records of the same component inside the lot's period that named no lot; `voided`: records that used it and are voided; `cycles`: loops in the lot data (each walked once). Backward (`?lot=&direction=backward` or `?workRecord=`): the ingredients, their lots, receipts and suppliers, one level further for blend lots of the facility. An unknown lot answers 200 with empty lists; an unknown record 404. `Accept: text/csv` answers a forward trace as one row per affected or possible record.",
    responses: { 200: { description: 'The trace.', schema: 'LotTrace', csv: true } },
    problems: [404, 429],
  },
  traceLotEverywhere: {
    summary: 'the same lot trace across every facility of the stack (keys covering every facility)',
    description:
      "The lot at every facility that knows it (the same supplier lot may reach several plants): the facilities' traces merged, every row with its `facilityId`, and `facilities` listing them. For keys covering every facility (`*`); a key scoped to some facilities gets 403. A work record belongs to one facility: `workRecord` is a 400 here (use the facility's route).",
    responses: { 200: { description: 'The trace across facilities.', schema: 'LotTrace', csv: true } },
    problems: [429],
  },
  createSubscription: {
    summary: 'register a webhook endpoint for one kind of document (push delivery)',
    description:
      'Deliveries are POSTed with Standard Webhooks signatures (`webhook-id`, `webhook-timestamp`, `webhook-signature`); the body is what a poll would answer. The secret is shown only in this answer. At most 10 subscriptions per key and facility.',
    responses: { 201: { description: 'The subscription with its signing secret.', schema: 'CreatedSubscription', headers: ['location'] } },
    problems: [409, 413, 415, 429],
  },
  listSubscriptions: {
    summary: "this key's webhook subscriptions at the facility (an erp * key: all of them)",
    responses: { 200: { description: 'The subscriptions, without secrets.', schema: 'SubscriptionList' } },
    problems: [429],
  },
  getSubscription: {
    summary: 'one webhook subscription with its delivery state',
    responses: { 200: { description: 'The subscription and its delivery state.', schema: 'SubscriptionState' } },
    problems: [404, 429],
  },
  deleteSubscription: {
    summary: 'remove a webhook subscription',
    responses: { 204: { description: 'Removed; nothing more is delivered to it.' } },
    problems: [404, 429],
  },
  rotateSubscriptionSecret: {
    summary: 'a new signing secret; the old one keeps signing for 24 hours',
    responses: { 200: { description: 'The new secret (shown only here).', schema: 'SecretRotation' } },
    problems: [404, 429],
  },
  listDeliveries: {
    summary: "a webhook subscription's delivery log, newest first, paged",
    description:
      '`status=failed` lists the dead-lettered deliveries (sent again by `replay`). Each attempt: time, HTTP status, error, latency, the start of the answer.',
    responses: { 200: { description: 'A page of the delivery log.', schema: 'DeliveryLog' } },
    problems: [404, 429],
  },
  replaySubscription: {
    summary: 'deliver again every change since a time',
    responses: { 202: { description: 'Accepted: the changes since then are delivered again, in order.', schema: 'ReplayAccepted' } },
    problems: [404, 413, 415, 429],
  },
  enableSubscription: {
    summary: 're-enable a disabled webhook subscription (delivery resumes where it stopped)',
    description: 'A subscription disabled because its key was revoked stays disabled (409): subscribe again with the new key.',
    responses: { 200: { description: 'The subscription, active again.', schema: 'Subscription' } },
    problems: [404, 409, 429],
  },
  pushComponents: { ...masterPush('components (raw materials)'), body: { examples: ['quickstart-components.json'] } },
  pollComponents: masterPoll('components (raw materials)', 'ComponentPoll', 'every one, inactive ones included'),
  pushRecipes: masterPush('recipes (formulas of components)'),
  pollRecipes: masterPoll('recipes (formulas of components)', 'RecipePoll', 'every one, inactive ones included'),
  pushPurchaseOrders: masterPush('purchase orders (planned deliveries)'),
  pollPurchaseOrders: masterPoll(
    'purchase orders (planned deliveries)',
    'PurchaseOrderPoll',
    'every one that is not cancelled or received',
  ),
  listPollers: {
    summary: 'each poller (key × kind) of the facility and each webhook subscription: last poll, backlog, lag, live/behind/silent',
    description:
      "`backlog` counts the settled changes after the poller's position, up to 1,000 (`backlogCapped` beyond); `lagSeconds` is the age of the oldest it has not been served. `state`: `silent` when the last poll is older than `POLLER_SILENT_AFTER` (default 15 minutes), else `behind` when the oldest unserved change is, else `live`. A poll that serves nothing writes its time at most once a minute, so `lastPollAt` may be that much older than the poll. Revoked keys are left out. Subscriptions are shown with their own state (`failing` while their endpoint fails, `disabled`).",
    responses: { 200: { description: 'The pollers and subscriptions of the facility.', schema: 'PollerList' } },
    problems: [429],
  },
  listActivity: {
    summary: 'refused requests of the facility (the problem answered, who, when), newest first',
    description:
      'Every 4xx answered to a request naming the facility (401s too, with `keyId` null), kept 30 days: the problem (at most 20 of its `errors`), the key, the route, the request id; never a body. At most 60 per facility and minute are kept; `sampledOut` counts those of the last 24 hours left out. `limit` 1 to 100 (default 50).',
    responses: { 200: { description: 'A page of the activity log.', schema: 'ActivityLog' } },
    problems: [429],
  },
  listFacilityDeliveries: {
    summary: 'webhook deliveries of every subscription of the facility, newest first (`?status=failed`: the dead letters)',
    description:
      "The rows of every subscription's delivery log at the facility, merged newest first, each with its `subscriptionId` (`replay` on that subscription sends a dead letter again). `limit` 1 to 100 (default 20); `next` continues.",
    responses: { 200: { description: 'A page of the deliveries.', schema: 'FacilityDeliveryLog' } },
    problems: [429],
  },
  listFacilities: {
    summary: 'every facility the key covers, with the health of its pollers, subscriptions and inputs',
    description:
      "Per facility: its pollers by state (as `GET /facility/{facilityId}/pollers` judges them), open orders (neither cancelled, complete nor rejected), the last order change and the last record, its subscriptions (active, disabled, dead letters) and the requests refused in the last 24 hours. A key of every facility (`*`) sees every facility a key or a document names. The counters are kept from the table's change stream, so they trail a write by a few seconds; the answer's cost does not grow with orders or records.",
    responses: { 200: { description: 'The facilities and their health.', schema: 'FacilitiesOverview' } },
    problems: [429],
  },
} satisfies Record<RouteId, RouteDoc>;

/** The summary of a route (its id for a route without docs: a test's own). */
export function summaryOf(routeId: string): string {
  return (ROUTE_DOCS as Readonly<Record<string, RouteDoc | undefined>>)[routeId]?.summary ?? routeId;
}

/**
 * The reference's groups (OpenAPI tags), in the order the reference shows them: a route's tag
 * is the first path segment after `/facility/{facilityId}` (`hub` for the others). A tag
 * without an entry here fails the build. Markdown; `#anchor` links name the guides of the
 * /docs page (scripts/build-docs-page.ts).
 */
export const TAG_DOCS: Readonly<Record<string, string>> = {
  hub: 'The routes outside a facility: liveness, this OpenAPI document, the reference page and the operator console (public, no key needed), and the facilities overview of the operator view (erp and operator keys).',
  dispensingWorkorders:
    'Work orders, ERP → PCS. The ERP pushes orders (create, update, hold, cancel) in batches or one at a time; the PCS polls what changed since its previous call ([polling without loss](#polling)); both read one order with its hub state.',
  acknowledgeWorkOrderReceipt:
    'The PCS acknowledges the orders it received, accepted or rejected. An update or hold of an order clears its acknowledgement.',
  dispensingWorkRecords:
    'Work records, PCS → ERP: what was actually dispensed, by ingredient and batch, with carrier, weights and the Bill of Lading. The ERP polls them like orders.',
  documents:
    'Stored documents (Bills of Lading and other attachments of records): a direct upload for a large file, and the download (a redirect to a short-lived link).',
  workOrderSummaries: 'Search and list the orders of a facility with their hub state, paged.',
  consumption: 'What was dispensed in a period, per product, day or order: totals kept as the records arrive.',
  subscriptions:
    'Push delivery ([webhooks](#push-delivery-webhooks)): register an endpoint, and the hub POSTs each change to it, signed (Standard Webhooks), retried, with a delivery log, replay and secret rotation.',
  components: 'Plant master data from the ERP: components (raw materials), pushed as upserts and polled like orders.',
  recipes: 'Plant master data from the ERP: recipes (formulas of components), pushed as upserts and polled like orders.',
  purchaseOrders:
    'Planned deliveries from the ERP, pushed as upserts and polled like orders; one purchase order with what each line received.',
  receipts: 'Goods received into stock, reported by the PCS, against a purchase order line or not.',
  stockCounts: 'Physical counts reported by the PCS: each sets the stock of a component at a location at its time.',
  stock: 'Stock per component and location, kept live from receipts, counts and what records dispensed, with its ledger.',
  trace:
    'Lot traceability for recalls: where a lot went (every record and order through any depth of blends, and the records that may contain it) and what went into a lot or record.',
  deliveries:
    'The operator view: is every webhook delivered? The deliveries of every subscription of the facility, the dead letters among them.',
  activity:
    'The operator view: what was refused and why. Every 4xx answered to a request naming the facility, kept 30 days, sampled under floods.',
  pollers:
    'The operator view: is every plant polling? Each poller of the facility with its last poll, backlog, lag and state, and each webhook subscription with its own.',
};
