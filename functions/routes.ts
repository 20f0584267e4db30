/**
 * THE route table. The CDK stack builds one function and one HTTP API route per entry;
 * the local gateway (infra/local/) serves the same entries with the same handlers; every
 * handler enforces the roles written here (shared/middleware.ts).
 */

import type { Role } from './domain/api-keys.ts';

export type { Role };

/** What a route's function may do with the table and the document bucket (least privilege on AWS). */
export interface RouteAccess {
  table: 'read' | 'readWrite';
  bucket?: 'read' | 'write' | 'readWrite';
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
  /** A short line for the README and logs. */
  summary: string;
}

const FACILITY = '/facility/{facilityId}';

export const ROUTES = [
  {
    id: 'health',
    method: 'GET',
    path: '/health',
    entry: 'http/health.ts',
    roles: [],
    access: null,
    summary: 'liveness',
  },
  {
    id: 'pushWorkOrders',
    method: 'POST',
    path: `${FACILITY}/dispensingWorkorders`,
    entry: 'http/push-work-orders.ts',
    roles: ['erp'],
    access: { table: 'readWrite' },
    summary: 'push work orders (create, update, hold, cancel)',
  },
  {
    id: 'pollWorkOrders',
    method: 'GET',
    path: `${FACILITY}/dispensingWorkorders`,
    entry: 'http/poll-work-orders.ts',
    roles: ['pcs', 'erp'],
    access: { table: 'readWrite' },
    summary: 'poll work orders changed since lastExecutionDateTime',
  },
  {
    id: 'getWorkOrder',
    method: 'GET',
    path: `${FACILITY}/dispensingWorkorders/{workOrderNumber}`,
    entry: 'http/get-work-order.ts',
    roles: ['erp', 'pcs'],
    access: { table: 'read' },
    summary: 'one work order with its hub state',
  },
  {
    id: 'acknowledgeWorkOrders',
    method: 'POST',
    path: `${FACILITY}/acknowledgeWorkOrderReceipt`,
    entry: 'http/acknowledge-work-orders.ts',
    roles: ['pcs'],
    access: { table: 'readWrite' },
    summary: 'acknowledge receipt of work orders (accepted or rejected)',
  },
  {
    id: 'submitWorkRecords',
    method: 'POST',
    path: `${FACILITY}/dispensingWorkRecords`,
    entry: 'http/submit-work-records.ts',
    roles: ['pcs'],
    access: { table: 'readWrite', bucket: 'readWrite' },
    summary: 'submit work records with their Bills of Lading',
  },
  {
    id: 'pollWorkRecords',
    method: 'GET',
    path: `${FACILITY}/dispensingWorkRecords`,
    entry: 'http/poll-work-records.ts',
    roles: ['erp'],
    access: { table: 'readWrite' },
    summary: 'poll work records submitted since lastExecutionDateTime',
  },
  {
    id: 'createDocumentUpload',
    method: 'POST',
    path: `${FACILITY}/documents`,
    entry: 'http/create-document-upload.ts',
    roles: ['pcs'],
    access: { table: 'readWrite', bucket: 'write' },
    summary: 'ask for a direct upload of a large document',
  },
  {
    id: 'getDocument',
    method: 'GET',
    path: `${FACILITY}/documents/{documentId}`,
    entry: 'http/get-document.ts',
    roles: ['erp', 'pcs'],
    access: { table: 'read', bucket: 'read' },
    summary: 'download a stored document (302 to a short-lived URL)',
  },
  {
    id: 'upsertWorkOrder',
    method: 'PUT',
    path: `${FACILITY}/dispensingWorkorders/{workOrderNumber}`,
    entry: 'http/upsert-work-order.ts',
    roles: ['erp'],
    access: { table: 'readWrite' },
    summary: 'upsert one work order by its number (created, updated or put on hold)',
  },
  {
    id: 'cancelWorkOrder',
    method: 'DELETE',
    path: `${FACILITY}/dispensingWorkorders/{workOrderNumber}`,
    entry: 'http/cancel-work-order.ts',
    roles: ['erp'],
    access: { table: 'readWrite' },
    summary: 'cancel one work order (never erases it)',
  },
  {
    id: 'listWorkOrderSummaries',
    method: 'GET',
    path: `${FACILITY}/workOrderSummaries`,
    entry: 'http/list-work-order-summaries.ts',
    roles: ['erp', 'pcs'],
    access: { table: 'read' },
    summary: 'search and list work orders with their hub state, filtered and paged (JSON or CSV)',
  },
  {
    id: 'getConsumption',
    method: 'GET',
    path: `${FACILITY}/consumption`,
    entry: 'http/get-consumption.ts',
    roles: ['erp'],
    access: { table: 'read' },
    summary: 'what was dispensed in a period, per product (and per day or per order), JSON or CSV',
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
