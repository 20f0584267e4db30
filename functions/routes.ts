/**
 * THE route table. The CDK stack builds one function and one HTTP API route per entry;
 * the local gateway (infra/local/) serves the same entries with the same handlers; every
 * handler enforces the roles written here (shared/middleware.ts).
 */

import { DOCUMENT_FORMATS, type Role } from './domain/api-keys.ts';
import { ORDER_STATUSES } from './domain/summaries.ts';

export type { Role };

/** What a route's function may do with the table and the document bucket (least privilege on AWS). */
export interface RouteAccess {
  table: 'read' | 'readWrite';
  bucket?: 'read' | 'write' | 'readWrite';
  /** Webhook signing secrets: seal new ones (encrypt) or open stored ones (decrypt) with the stack's KMS key. */
  secrets?: 'encrypt' | 'decrypt';
}

export interface RouteDef {
  /** Stable id: names the function and its construct. */
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway path template. */
  path: string;
  /** Module under functions/ exporting `handler`. */
  entry: string;
  /** Roles allowed; empty: public (no key). */
  roles: readonly Role[];
  access: RouteAccess | null;
  /** A short line for the README, logs and the OpenAPI document (its operation summary). */
  summary: string;
  /** What the OpenAPI document says beyond the above (scripts/build-openapi.ts); defaults when absent. */
  api?: RouteApi;
  /** How long the function may run (default FUNCTION_TIMEOUT_SECONDS); HTTP API waits at most 30 s. */
  timeoutSeconds?: number;
}

/** How long a function may run unless its row says otherwise: on AWS and in the local gateway alike. */
export const FUNCTION_TIMEOUT_SECONDS = 10;
/** Reports that read many items (long ranges) get the most the HTTP API's 30 s integration limit leaves. */
const REPORT_TIMEOUT_SECONDS = 28;

/**
 * The request and answers of a route as the OpenAPI document describes them. Schema names are
 * the `title`s of schemas/ (the types the handlers are checked against), so the document is
 * built from the same sources as the validators.
 */
export interface RouteApi {
  /** Longer text for the reference (Markdown). */
  description?: string;
  /** Query parameters the handler reads, by name (QUERY_PARAMS). */
  query?: readonly QueryParamName[];
  /**
   * The request body: a schema title. `documents` names a MixTicket document route: the body may
   * also be a bare array of documents, or documents in the older form (generated Legacy* schemas).
   * `single`: the body is one such document (not an envelope), in either form.
   */
  body?: {
    schema: string;
    documents?: { envelope: string; schema: string };
    single?: boolean;
    /** Request examples: files under test/fixtures/. */
    examples?: readonly string[];
  };
  /** Success answers by status. `legacy`: the answer is the bare array of that schema under format=legacy. */
  responses: Readonly<Record<number, ResponseDef>>;
  /** Problem statuses this route answers besides those of every route (400, 500, 503; 401 and 403 with a key). */
  problems?: readonly number[];
}

export interface ResponseDef {
  description: string;
  /** A schema title; absent: no body. */
  schema?: string;
  /** format=legacy serves a bare array of this schema instead. */
  legacy?: string;
  /** Response headers: `link` (rel="next" while more remain), `location` (a redirect). */
  headers?: readonly ('link' | 'location')[];
  /** Media type, when not application/json. */
  mediaType?: string;
  /** The same rows are also served as CSV (RFC 4180, header row first) to `Accept: text/csv`. */
  csv?: boolean;
}

/** Path parameters every route may use, with what the handler accepts (a path naming another fails the build). */
export const PATH_PARAMS = {
  facilityId: {
    description: 'The facility: 1 to 64 characters of A-Z a-z 0-9 . _ -, and not "." or "..".',
    schema: { type: 'string', minLength: 1, maxLength: 64, pattern: '^(?!\\.{1,2}$)[A-Za-z0-9._-]{1,64}$' },
    example: 'PLANT-7',
  },
  workOrderNumber: {
    description: "The order's `workOrderIdentifier.number`: 1 to 128 characters, no control characters.",
    schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
    example: 'WO-1001',
  },
  purchaseOrderNumber: {
    description: "The purchase order's `identifier.number`: 1 to 128 characters, no control characters.",
    schema: { type: 'string', minLength: 1, maxLength: 128, pattern: '^[^\\u0000-\\u001f\\u007f]+$' },
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
} as const;

/** Query parameters, by name, with what the handlers accept. */
export const QUERY_PARAMS = {
  lastExecutionDateTime: {
    description:
      'The time of your previous successful call, by your clock: ISO 8601 with a zone (`Z` or `±hh:mm`); a `+` that arrived as a space is read as `+`. Without it: the initial load.',
    schema: {
      type: 'string',
      pattern: '^\\s*\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?([Zz]|[+ -]\\d{2}:?\\d{2})\\s*$',
    },
    example: '2026-03-01T08:00:00Z',
  },
  format: {
    description:
      "The document form to serve: `canonical`, `legacy` (the standard's older PascalCase form, a bare array, code lists as the .NET library's names) or `legacy-numeric` (the same with code lists as integers). Default: the key's.",
    schema: { type: 'string', enum: [...DOCUMENT_FORMATS] },
  },
  cursor: {
    description: 'Where the next page starts: only as given in `Link: <...>; rel="next"`.',
    schema: { type: 'string', minLength: 1 },
  },
  agency: {
    description: 'The agency of the identifier, when two agencies use the same number at the facility.',
    schema: { $ref: '#/components/schemas/AgencyCode' },
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
    schema: { type: 'string', pattern: '^\\d{1,4}$' },
    example: '100',
  },
  from: {
    description: 'Start of the period, inclusive: a date-time with a zone on a quarter hour, or a date `YYYY-MM-DD` (midnight in `tz`).',
    schema: { type: 'string', minLength: 10 },
    example: '2026-03-01',
  },
  to: {
    description: 'End of the period, exclusive: as `from`. The period may span years.',
    schema: { type: 'string', minLength: 10 },
    example: '2026-04-01',
  },
  groupBy: {
    description: 'Rows per product (default), per product and day (in `tz`), or per product and work order.',
    schema: { type: 'string', enum: ['product', 'day', 'order'] },
  },
  tz: {
    description: 'The IANA time zone that dates and days are counted in (default UTC); DST changes are counted exactly.',
    schema: { type: 'string', minLength: 1 },
    example: 'America/Chicago',
  },
  component: {
    description: "A component's `identifier.number`: only its rows (every agency using that number).",
    schema: { type: 'string', minLength: 1, maxLength: 128 },
    example: 'C-UREA',
  },
  location: {
    description: 'Only the rows of this stock location.',
    schema: { type: 'string', minLength: 1, maxLength: 128 },
  },
  include: {
    description: '`movements`: add to each row the ledger lines that explain it (needs `component`).',
    schema: { type: 'string', enum: ['movements'] },
  },
} as const;

function timeParam(description: string) {
  return { description, schema: { type: 'string', minLength: 1 }, example: '2026-03-01T00:00:00Z' } as const;
}

export type QueryParamName = keyof typeof QUERY_PARAMS;

const FACILITY = '/facility/{facilityId}';
const SUBSCRIPTION = `${FACILITY}/subscriptions/{subscriptionId}`;
const BOTH_ROLES = ['pcs', 'erp'] as const;

/**
 * The ERP's push and the poll of one master-data kind: the same shape for components,
 * recipes and purchase orders (use-cases/polled-kinds.ts serves them).
 */
function masterDataRoutes<const P extends string, const N extends string>(
  path: P,
  name: N,
  file: string,
  request: string,
  poll: string,
  what: string,
  initialExclude: readonly string[] = [],
  examples: readonly string[] = [],
) {
  const initial = initialExclude.length > 0 ? `every one that is not ${initialExclude.join(' or ')}` : 'every one, inactive ones included';
  return [
    {
      id: `push${name}`,
      method: 'POST',
      path: `${FACILITY}/${path}`,
      entry: `http/push-${file}s.ts`,
      roles: ['erp'],
      access: { table: 'readWrite' },
      summary: `upsert ${what}`,
      api: {
        description: `All or nothing, upserts by \`identifier\`: new → \`created\`, identical → \`unchanged\`, changed → \`updated\` (revision + 1).`,
        body: { schema: request, ...(examples.length > 0 ? { examples } : {}) },
        responses: { 200: { description: "Each document's outcome, by index.", schema: 'MasterDataResults' } },
        problems: [409, 413, 415, 429],
      },
    },
    {
      id: `poll${name}`,
      method: 'GET',
      path: `${FACILITY}/${path}`,
      entry: `http/poll-${file}s.ts`,
      roles: ['pcs', 'erp'],
      access: { table: 'readWrite' },
      summary: `poll ${what} changed since lastExecutionDateTime`,
      api: {
        description: `Under the work orders' no-loss rules. Without \`lastExecutionDateTime\`: the initial load (${initial}).`,
        query: ['lastExecutionDateTime', 'cursor'],
        responses: { 200: { description: 'A page of documents as the ERP last sent them.', schema: poll, headers: ['link'] } },
        problems: [429],
      },
    },
  ] as const;
}

export const ROUTES = [
  {
    id: 'health',
    method: 'GET',
    path: '/health',
    entry: 'http/health.ts',
    roles: [],
    access: null,
    summary: 'liveness',
    api: { responses: { 200: { description: 'The hub is up.', schema: 'HealthResponse' } } },
  },
  {
    id: 'pushWorkOrders',
    method: 'POST',
    path: `${FACILITY}/dispensingWorkorders`,
    entry: 'http/push-work-orders.ts',
    roles: ['erp'],
    access: { table: 'readWrite' },
    summary: 'push work orders (create, update, hold, cancel)',
    api: {
      description:
        'All or nothing: every document applies, or none does and the problem names each failing document by its index. `workOrderType` says what to do: create, update, hold or cancel.',
      body: {
        schema: 'DispensingWorkOrderRequest',
        documents: { envelope: 'dispensingWorkOrder', schema: 'DispensingWorkOrder' },
        examples: ['quickstart-orders.json', 'canonical/work-order-blended.json', 'legacy/work-order-single.json'],
      },
      responses: { 200: { description: "Each document's outcome, by index.", schema: 'WorkOrderResults' } },
      problems: [404, 409, 413, 415, 429],
    },
  },
  {
    id: 'pollWorkOrders',
    method: 'GET',
    path: `${FACILITY}/dispensingWorkorders`,
    entry: 'http/poll-work-orders.ts',
    roles: ['pcs', 'erp'],
    access: { table: 'readWrite' },
    summary: 'poll work orders changed since lastExecutionDateTime',
    api: {
      description:
        'Every order the ERP created or changed since `lastExecutionDateTime`, each once, in its latest form, oldest change first. Send the time of your previous successful call; keep the old value when a call fails; follow `Link: rel="next"` while it is there.',
      query: ['lastExecutionDateTime', 'format', 'cursor'],
      responses: {
        200: {
          description: 'A page of orders.',
          schema: 'DispensingWorkOrderPoll',
          legacy: 'LegacyDispensingWorkOrder',
          headers: ['link'],
        },
      },
      problems: [429],
    },
  },
  {
    id: 'getWorkOrder',
    method: 'GET',
    path: `${FACILITY}/dispensingWorkorders/{workOrderNumber}`,
    entry: 'http/get-work-order.ts',
    roles: ['erp', 'pcs'],
    access: { table: 'read' },
    summary: 'one work order with its hub state',
    api: {
      query: ['agency'],
      responses: { 200: { description: 'The order with its hub state.', schema: 'WorkOrderView' } },
      problems: [404, 409],
    },
  },
  {
    id: 'acknowledgeWorkOrders',
    method: 'POST',
    path: `${FACILITY}/acknowledgeWorkOrderReceipt`,
    entry: 'http/acknowledge-work-orders.ts',
    roles: ['pcs'],
    access: { table: 'readWrite' },
    summary: 'acknowledge receipt of work orders (accepted or rejected)',
    api: {
      body: {
        schema: 'AcknowledgeWorkOrderReceiptRequest',
        documents: { envelope: 'acknowledgeWorkOrderReceipt', schema: 'AcknowledgeWorkOrderReceipt' },
        examples: ['quickstart-acknowledgement.json', 'legacy/acknowledgement.json'],
      },
      responses: { 200: { description: "Each order's status after the acknowledgement.", schema: 'AcknowledgementResults' } },
      problems: [404, 409, 413, 415, 429],
    },
  },
  {
    id: 'submitWorkRecords',
    method: 'POST',
    path: `${FACILITY}/dispensingWorkRecords`,
    entry: 'http/submit-work-records.ts',
    roles: ['pcs'],
    access: { table: 'readWrite', bucket: 'readWrite' },
    summary: 'submit work records with their Bills of Lading',
    api: {
      description:
        'All or nothing, like orders. A Bill of Lading travels inline (base64 in `associatedDocument[].file`) or by a direct upload named in `associatedDocument[].identifier`.',
      body: {
        schema: 'DispensingWorkRecordRequest',
        documents: { envelope: 'dispensingWorkRecord', schema: 'DispensingWorkRecord' },
        examples: ['quickstart-record.json', 'canonical/work-record-blended.json', 'legacy/work-record-single.json'],
      },
      responses: { 200: { description: "Each record's outcome, by index.", schema: 'WorkRecordResults' } },
      problems: [404, 409, 413, 415, 429],
    },
  },
  {
    id: 'pollWorkRecords',
    method: 'GET',
    path: `${FACILITY}/dispensingWorkRecords`,
    entry: 'http/poll-work-records.ts',
    roles: ['erp'],
    access: { table: 'readWrite' },
    summary: 'poll work records submitted since lastExecutionDateTime',
    api: {
      description: 'Every record the PCS submitted since `lastExecutionDateTime`, under the same no-loss rules as the order poll.',
      query: ['lastExecutionDateTime', 'format', 'cursor'],
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
  },
  {
    id: 'createDocumentUpload',
    method: 'POST',
    path: `${FACILITY}/documents`,
    entry: 'http/create-document-upload.ts',
    roles: ['pcs'],
    access: { table: 'readWrite', bucket: 'write' },
    summary: 'ask for a direct upload of a large document',
    api: {
      body: { schema: 'DocumentUploadRequest' },
      responses: { 201: { description: 'A presigned POST for the upload, valid 15 minutes.', schema: 'DocumentUpload' } },
      problems: [413, 415, 429],
    },
  },
  {
    id: 'getDocument',
    method: 'GET',
    path: `${FACILITY}/documents/{documentId}`,
    entry: 'http/get-document.ts',
    roles: ['erp', 'pcs'],
    access: { table: 'read', bucket: 'read' },
    summary: 'download a stored document (302 to a short-lived URL)',
    api: {
      responses: { 302: { description: 'Redirect to a short-lived download URL.', headers: ['location'] } },
      problems: [404],
    },
  },
  {
    id: 'openApi',
    method: 'GET',
    path: '/openapi.json',
    entry: 'http/openapi.ts',
    roles: [],
    access: null,
    summary: 'the OpenAPI 3.1 document of every route',
    api: { responses: { 200: { description: 'This document.', schema: 'OpenApiDocument' } } },
  },
  {
    id: 'docs',
    method: 'GET',
    path: '/docs',
    entry: 'http/docs.ts',
    roles: [],
    access: null,
    summary: 'the API reference as one self-contained HTML page',
    api: { responses: { 200: { description: 'The reference page.', mediaType: 'text/html' } } },
  },
  {
    id: 'upsertWorkOrder',
    method: 'PUT',
    path: `${FACILITY}/dispensingWorkorders/{workOrderNumber}`,
    entry: 'http/upsert-work-order.ts',
    roles: ['erp'],
    access: { table: 'readWrite' },
    summary: 'upsert one work order by its number (created, updated or put on hold)',
    api: {
      description:
        "MES style: an unknown number is created (201), a known one replaced (200 `updated`, or `unchanged` when identical), with a push's lifecycle rules and revision counting. The body is one document in either form; its `workOrderIdentifier.number` must be the path's. `workOrderType` `create`/`update` upserts (releasing an order on hold), `hold` holds, `cancel` is refused (use DELETE). An order cancelled, in progress or complete answers 409.",
      query: ['agency'],
      body: { schema: 'DispensingWorkOrder', single: true, examples: ['canonical/work-order-blended.json'] },
      responses: {
        201: { description: 'The order was created.', schema: 'WorkOrderUpsertResult' },
        200: { description: 'The order was updated, or was identical (`unchanged`).', schema: 'WorkOrderUpsertResult' },
      },
      problems: [409, 413, 415, 429],
    },
  },
  {
    id: 'cancelWorkOrder',
    method: 'DELETE',
    path: `${FACILITY}/dispensingWorkorders/{workOrderNumber}`,
    entry: 'http/cancel-work-order.ts',
    roles: ['erp'],
    access: { table: 'readWrite' },
    summary: 'cancel one work order (never erases it)',
    api: {
      description:
        'Cancels the order; pollers are served the cancel like any other change. Idempotent: an order cancelled already answers 200 `unchanged`, its revision and `modifiedAt` as they were. In progress or complete: 409.',
      query: ['agency'],
      responses: { 200: { description: 'The order view after the cancel, with the outcome.', schema: 'WorkOrderCancelResult' } },
      problems: [404, 409, 429],
    },
  },
  {
    id: 'listWorkOrderSummaries',
    method: 'GET',
    path: `${FACILITY}/workOrderSummaries`,
    entry: 'http/list-work-order-summaries.ts',
    roles: ['erp', 'pcs'],
    access: { table: 'read' },
    timeoutSeconds: REPORT_TIMEOUT_SECONDS,
    summary: 'search and list work orders with their hub state, filtered and paged (JSON or CSV)',
    api: {
      description:
        'Filters by status and by a created or a modified range (no cap on the range; not both kinds in one query), newest first by the time filtered on, paged by `limit` and an opaque cursor. Reads no poller state and writes nothing. `Accept: text/csv` answers the same rows as CSV, header row first; cells that a spreadsheet would read as a formula are escaped.',
      query: ['status', 'createdFrom', 'createdTo', 'modifiedFrom', 'modifiedTo', 'limit', 'cursor'],
      responses: { 200: { description: 'A page of summaries.', schema: 'WorkOrderSummaries', headers: ['link'], csv: true } },
      problems: [429],
    },
  },
  ...masterDataRoutes(
    'components',
    'Components',
    'component',
    'ComponentsRequest',
    'ComponentPoll',
    'components (raw materials)',
    [],
    ['quickstart-components.json'],
  ),
  ...masterDataRoutes('recipes', 'Recipes', 'recipe', 'RecipesRequest', 'RecipePoll', 'recipes (formulas of components)'),
  ...masterDataRoutes(
    'purchaseOrders',
    'PurchaseOrders',
    'purchase-order',
    'PurchaseOrdersRequest',
    'PurchaseOrderPoll',
    'purchase orders (planned deliveries)',
    ['cancelled', 'received'],
  ),
  {
    id: 'getPurchaseOrder',
    method: 'GET',
    path: `${FACILITY}/purchaseOrders/{purchaseOrderNumber}`,
    entry: 'http/get-purchase-order.ts',
    roles: ['erp', 'pcs'],
    access: { table: 'read' },
    summary: 'one purchase order with what has been received against each line',
    api: {
      query: ['agency'],
      responses: {
        200: {
          description: 'The order as the ERP last sent it, with received quantities, receipts and status.',
          schema: 'PurchaseOrderView',
        },
      },
      problems: [404, 409],
    },
  },
  {
    id: 'submitReceipts',
    method: 'POST',
    path: `${FACILITY}/receipts`,
    entry: 'http/submit-receipts.ts',
    roles: ['pcs'],
    access: { table: 'readWrite' },
    summary: 'report goods received into stock (against a purchase order line or not)',
    api: {
      description:
        'All or nothing; idempotent by `receiptId` (identical again → `unchanged`, other content → 409). Each receipt moves its balance and, when it names one, its purchase order line in the same transaction.',
      body: { schema: 'ReceiptsRequest', examples: ['quickstart-receipt.json'] },
      responses: { 200: { description: "Each receipt's outcome, by index.", schema: 'ReceiptResults' } },
      problems: [409, 413, 415, 429],
    },
  },
  {
    id: 'submitStockCounts',
    method: 'POST',
    path: `${FACILITY}/stockCounts`,
    entry: 'http/submit-stock-counts.ts',
    roles: ['pcs'],
    access: { table: 'readWrite' },
    summary: "report physical counts: each sets a component's stock at a location at its time",
    api: {
      description:
        'All or nothing; idempotent by `countId`. A count sets the level at `countedAt`; movements dated after it apply on top, movements dated before it stay in the ledger only.',
      body: { schema: 'StockCountsRequest' },
      responses: { 200: { description: "Each count's outcome, by index.", schema: 'StockCountResults' } },
      problems: [409, 413, 415, 429],
    },
  },
  {
    id: 'getStock',
    method: 'GET',
    path: `${FACILITY}/stock`,
    entry: 'http/get-stock.ts',
    roles: ['erp', 'pcs'],
    access: { table: 'read' },
    summary: 'current stock per component and location, from receipts, counts and dispensing',
    api: {
      description:
        "Read from balances kept with every movement, never from the records: in the component's unit, in kilograms where a mass unit or density allows, with what cannot be converted listed apart.",
      query: ['component', 'location', 'include'],
      responses: { 200: { description: 'Stock rows.', schema: 'StockView' } },
      problems: [404],
    },
  },
  {
    id: 'getConsumption',
    method: 'GET',
    path: `${FACILITY}/consumption`,
    entry: 'http/get-consumption.ts',
    roles: ['erp'],
    access: { table: 'read' },
    timeoutSeconds: REPORT_TIMEOUT_SECONDS,
    summary: 'what was dispensed in a period, per product (and per day or per order), JSON or CSV',
    api: {
      description:
        "What the facility's work records say was dispensed in `[from, to)`, dated by each record's `dispensingEndDateTime` (else `workRecordCreationDateTime`); per product and unit, exact decimal totals. `Accept: text/csv` answers the same rows as CSV.",
      query: ['from', 'to', 'groupBy', 'tz'],
      responses: { 200: { description: 'The report.', schema: 'ConsumptionReport', csv: true } },
      problems: [429],
    },
  },
  {
    id: 'createSubscription',
    method: 'POST',
    path: `${FACILITY}/subscriptions`,
    entry: 'http/create-subscription.ts',
    roles: BOTH_ROLES,
    access: { table: 'readWrite', secrets: 'encrypt' },
    summary: 'register a webhook endpoint for one kind of document (push delivery)',
    api: {
      description:
        'Deliveries are POSTed with Standard Webhooks signatures (`webhook-id`, `webhook-timestamp`, `webhook-signature`); the body is what a poll would answer. The secret is shown only in this answer. At most 10 subscriptions per key and facility.',
      body: { schema: 'SubscriptionRequest' },
      responses: { 201: { description: 'The subscription with its signing secret.', schema: 'CreatedSubscription' } },
      problems: [409, 413, 415, 429],
    },
  },
  {
    id: 'listSubscriptions',
    method: 'GET',
    path: `${FACILITY}/subscriptions`,
    entry: 'http/list-subscriptions.ts',
    roles: BOTH_ROLES,
    access: { table: 'read' },
    summary: "this key's webhook subscriptions at the facility (an erp * key: all of them)",
    api: { responses: { 200: { description: 'The subscriptions, without secrets.', schema: 'SubscriptionList' } }, problems: [429] },
  },
  {
    id: 'getSubscription',
    method: 'GET',
    path: SUBSCRIPTION,
    entry: 'http/get-subscription.ts',
    roles: BOTH_ROLES,
    access: { table: 'read' },
    summary: 'one webhook subscription with its delivery state',
    api: {
      responses: { 200: { description: 'The subscription and its delivery state.', schema: 'SubscriptionState' } },
      problems: [404, 429],
    },
  },
  {
    id: 'deleteSubscription',
    method: 'DELETE',
    path: SUBSCRIPTION,
    entry: 'http/delete-subscription.ts',
    roles: BOTH_ROLES,
    access: { table: 'readWrite' },
    summary: 'remove a webhook subscription',
    api: { responses: { 204: { description: 'Removed; nothing more is delivered to it.' } }, problems: [404, 429] },
  },
  {
    id: 'rotateSubscriptionSecret',
    method: 'POST',
    path: `${SUBSCRIPTION}/rotateSecret`,
    entry: 'http/rotate-subscription-secret.ts',
    roles: BOTH_ROLES,
    access: { table: 'readWrite', secrets: 'encrypt' },
    summary: 'a new signing secret; the old one keeps signing for 24 hours',
    api: { responses: { 200: { description: 'The new secret (shown only here).', schema: 'SecretRotation' } }, problems: [404, 429] },
  },
  {
    id: 'listDeliveries',
    method: 'GET',
    path: `${SUBSCRIPTION}/deliveries`,
    entry: 'http/list-deliveries.ts',
    roles: BOTH_ROLES,
    access: { table: 'read' },
    summary: "a webhook subscription's delivery log, newest first, paged",
    api: {
      description:
        '`status=failed` lists the dead-lettered deliveries (sent again by `replay`). Each attempt: time, HTTP status, error, latency, the start of the answer.',
      query: ['status', 'limit', 'cursor'],
      responses: { 200: { description: 'A page of the delivery log.', schema: 'DeliveryLog' } },
      problems: [404, 429],
    },
  },
  {
    id: 'replaySubscription',
    method: 'POST',
    path: `${SUBSCRIPTION}/replay`,
    entry: 'http/replay-subscription.ts',
    roles: BOTH_ROLES,
    access: { table: 'readWrite' },
    summary: 'deliver again every change since a time',
    api: {
      body: { schema: 'ReplayRequest' },
      responses: { 202: { description: 'Accepted: the changes since then are delivered again, in order.', schema: 'ReplayAccepted' } },
      problems: [404, 413, 415, 429],
    },
  },
  {
    id: 'enableSubscription',
    method: 'POST',
    path: `${SUBSCRIPTION}/enable`,
    entry: 'http/enable-subscription.ts',
    roles: BOTH_ROLES,
    access: { table: 'readWrite' },
    summary: 're-enable a disabled webhook subscription (delivery resumes where it stopped)',
    api: {
      description: 'A subscription disabled because its key was revoked stays disabled (409): subscribe again with the new key.',
      responses: { 200: { description: 'The subscription, active again.', schema: 'Subscription' } },
      problems: [404, 409, 429],
    },
  },
] as const satisfies readonly RouteDef[];

export type RouteId = (typeof ROUTES)[number]['id'];

/** The route with this id (throws on a typo, at cold start). */
export function route(id: RouteId): RouteDef {
  const found = ROUTES.find((r) => r.id === id);
  if (!found) throw new Error(`unknown route ${id}`);
  return found;
}

/** The Lambda authorizer's module (API Gateway on AWS, the local gateway here). */
export const AUTHORIZER_ENTRY = 'http/authorizer.ts';

/**
 * How long the gateway keeps the authorizer's answer for one x-api-key: API Gateway on AWS
 * (the stack's resultsCacheTtl) and the local gateway alike.
 */
export const AUTHORIZER_CACHE_SECONDS = 300;
