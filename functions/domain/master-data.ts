/**
 * Plant master data (components, recipes, purchase orders): ERP upserts by identifier, all or
 * nothing, and the checks that bind recipes and purchase orders to known components. Pure:
 * the store loads what the batch names, this module decides, the store writes atomically.
 */
import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';
import type { Component, PurchaseOrder, Recipe } from '../generated/documents.ts';
import { identityKey } from './documents.ts';
import { type ErrorItem, invalidInput } from './errors.ts';
import type { StockComponent } from './stock.ts';

export type MasterKind = 'component' | 'recipe' | 'purchaseOrder';
export type MasterDocument = Component | Recipe | PurchaseOrder;

/** What the hub keeps of a master-data document. */
export interface MasterState {
  facilityId: string;
  agency: string;
  number: string;
  doc: MasterDocument;
  contentHash: string;
  revision: number;
  version: number;
  createdAt: number;
  modifiedAt: number;
  /** Purchase orders: the hub's status and what was received (kept across the ERP's updates). */
  status?: string;
  received?: string;
}

export interface MasterResult {
  index: number;
  number: string;
  agency: string;
  outcome: 'created' | 'unchanged' | 'updated';
  revision: number;
}

export interface MasterWrite {
  next: MasterState;
  expectedVersion: number;
}

export const contentHash = (doc: unknown): string =>
  createHash('sha256')
    .update(stringify(doc) ?? '')
    .digest('hex');

/**
 * Decides a batch: new → created (revision 1), identical → unchanged, changed → updated
 * (revision + 1, a new modification time). The same identity twice in one request is a 400.
 */
export function planMasterBatch(
  facilityId: string,
  pointer: string,
  documents: readonly MasterDocument[],
  stored: ReadonlyMap<string, MasterState>,
  now: number,
): { results: MasterResult[]; writes: MasterWrite[] } {
  const seen = new Map<string, number>();
  const errors: ErrorItem[] = [];
  documents.forEach((d, i) => {
    const id = identityKey(d.identifier.agency, d.identifier.number);
    const first = seen.get(id);
    if (first !== undefined) errors.push({ path: `${pointer}/${i}/identifier`, message: `the same identifier as document ${first}` });
    else seen.set(id, i);
  });
  if (errors.length > 0) throw invalidInput('A request names each document once; nothing in this request was applied.', errors);

  const results: MasterResult[] = [];
  const writes: MasterWrite[] = [];
  documents.forEach((doc, index) => {
    const { agency, number } = doc.identifier;
    const hash = contentHash(doc);
    const current = stored.get(identityKey(agency, number));
    if (current && current.contentHash === hash) {
      results.push({ index, number, agency, outcome: 'unchanged', revision: current.revision });
      return;
    }
    const revision = current ? current.revision + 1 : 1;
    const next: MasterState = {
      ...(current ?? { facilityId, agency, number, version: 0, createdAt: now }),
      doc,
      contentHash: hash,
      revision,
      // Never backwards for one document, whatever the clocks of two instances say.
      modifiedAt: Math.max(now, (current?.modifiedAt ?? 0) + 1),
    };
    writes.push({ next, expectedVersion: current?.version ?? 0 });
    results.push({ index, number, agency, outcome: current ? 'updated' : 'created', revision });
  });
  return { results, writes };
}

/** The components a recipe's or purchase order's lines name, with the pointer of each line. */
export function componentReferences(
  pointer: string,
  documents: readonly (Recipe | PurchaseOrder)[],
): { path: string; agency: string; number: string }[] {
  return documents.flatMap((d, i) =>
    d.lines.map((line, j) => ({
      path: `${pointer}/${i}/lines/${j}/component`,
      agency: line.component.agency,
      number: line.component.number,
    })),
  );
}

/** 400 naming every line whose component the facility does not know (and purchase order lines numbered twice). */
export function checkLines(pointer: string, documents: readonly (Recipe | PurchaseOrder)[], known: ReadonlySet<string>): void {
  const errors: ErrorItem[] = componentReferences(pointer, documents)
    .filter((r) => !known.has(identityKey(r.agency, r.number)))
    .map((r) => ({ path: r.path, message: `component ${r.agency} ${r.number} is not known at this facility` }));
  documents.forEach((d, i) => {
    const lines = new Set<number>();
    d.lines.forEach((l, j) => {
      const line = (l as { line?: number }).line;
      if (line === undefined) return;
      if (lines.has(line)) errors.push({ path: `${pointer}/${i}/lines/${j}/line`, message: `line ${line} appears twice` });
      lines.add(line);
    });
  });
  if (errors.length > 0) {
    throw invalidInput(
      'Every line must name a component the facility knows (push components first); nothing in this request was applied.',
      errors,
    );
  }
}

/** A stored component as stock and purchase orders need it. */
export function asStockComponent(state: MasterState): StockComponent {
  const c = state.doc as Component;
  return {
    agency: state.agency,
    number: state.number,
    name: c.name,
    uom: c.uom,
    ...(c.density === undefined ? {} : { density: c.density }),
  };
}

/** Stored components (by identityKey) as stock sees them. */
export const toStockComponents = (found: ReadonlyMap<string, MasterState>): Map<string, StockComponent> =>
  new Map([...found].map(([id, c]) => [id, asStockComponent(c)]));
