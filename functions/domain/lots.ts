/**
 * The lot index of a work record's revision: which lots each ingredient line took from, which
 * lots each blend made, and which ingredient lines named no lot (the exception trace). Pure: the
 * derive engine writes these entries with a record revision's other derived figures (and removes
 * those of the revision it replaces); a lot trace reads them back (domain/lot-trace.ts).
 *
 * An entry is identified by what it indexes (its kind, the lot or component, the line's place in
 * the record, and for an unlotted line its time), so the difference between two revisions is a
 * set difference of entry keys, and each entry's content hash says whether it must be rewritten.
 */
import { createHash } from 'node:crypto';
import { recordTime } from './consumption.ts';
import { identityKey } from './documents.ts';
import { isoMs } from './time.ts';
import type { WorkRecordDocument } from './work-records.ts';

/** An identifier as the trace shows it. */
export interface IdentifierView {
  agency: string;
  number: string;
  name?: string;
}

/** A lot: agency + number within a facility (agency `-`: a receipt named the number alone). */
export interface LotRef {
  agency: string;
  number: string;
}

export interface Quantity {
  value: number;
  uom: string;
}

/** One line of a record as the lot index keeps it: what a trace row shows without reading the record. */
export interface LotLine {
  record: { agency: string; number: string };
  revision: number;
  /** The line's place in the record: `g.p.c` (group, product, source container) or `g.d` (destination container). */
  line: string;
  workOrder: { agency: string; number: string };
  /** The record's dispensing end (else its creation, else when the hub received it), ISO ms. */
  dispensedAt: string;
  /** What the record made: its product group's first identifier. */
  product: IdentifierView | null;
  /** The ingredient of the line (for a made entry: the product group itself). */
  component: IdentifierView;
  quantity: Quantity | null;
  /** The lots the line's product group made (destination containers). */
  destinationLots: LotRef[];
  voided: boolean;
}

export type LotEntryKind = 'use' | 'made' | 'unlotted';

/** Where an entry lives: a lot's partition (use, made) or a component's unlotted lines (agency and number are the component's). */
export interface LotEntryRef {
  kind: LotEntryKind;
  agency: string;
  number: string;
  line: string;
  /** Unlotted lines only: their dispensing time (part of the sort key). */
  at?: string;
}

export interface LotEntry extends LotEntryRef {
  data: LotLine;
}

/** A receipt of a lot, as its entry in the lot's partition keeps it. */
export interface LotReceipt {
  receiptId: string;
  receivedAt: string;
  component: IdentifierView;
  quantity: Quantity;
  purchaseOrder: { agency: string; number: string; line: number } | null;
  supplier: { name: string } | null;
}

/** The agency of a lot named by number alone (a receipt's supplier lot without agency): the store keys it as such. */
export const NO_LOT_AGENCY = '-';

export const lotKey = (lot: LotRef): string => identityKey(lot.agency, lot.number);
export const sameLot = (a: LotRef, b: LotRef): boolean => a.agency === b.agency && a.number === b.number;

/** The key of an entry within its record's derived state. */
export const entryKey = (e: LotEntryRef): string => JSON.stringify([e.kind, e.agency, e.number, e.line, e.at ?? '']);

/** The entry an entry key names (the engine removes entries of a replaced revision by their keys). */
export function entryRefOf(key: string): LotEntryRef {
  const [kind, agency, number, line, at] = JSON.parse(key) as [LotEntryKind, string, string, string, string];
  return { kind, agency, number, line, ...(at ? { at } : {}) };
}

const hashOf = (e: LotEntry): string => createHash('sha256').update(JSON.stringify(e.data)).digest('base64url').slice(0, 16);

type Id = { agency: string; number: string; name?: unknown };
const view = (i: Id | undefined): IdentifierView | null =>
  i ? { agency: i.agency, number: i.number, ...(typeof i.name === 'string' ? { name: i.name } : {}) } : null;
const lotOf = (c: { lotIdentifier?: Id } | undefined): LotRef | null =>
  c?.lotIdentifier ? { agency: c.lotIdentifier.agency, number: c.lotIdentifier.number } : null;
const qty = (q: { value: number; uom: string } | undefined): Quantity | null => (q ? { value: q.value, uom: q.uom } : null);

interface Container {
  lotIdentifier?: Id;
  actualQuantity?: { value: number; uom: string };
}
interface Line {
  identifier: Id[];
  actualQuantity?: { value: number; uom: string };
  sourceContainer?: Container[];
}
interface Group {
  identifier: Id[];
  actualQuantity?: { value: number; uom: string };
  destinationContainer?: Container[];
  product: Line[];
}

/** A record revision as the lot index reads it. */
export interface IndexedRevision {
  agency: string;
  number: string;
  revision: number;
  doc: WorkRecordDocument;
  voided: boolean;
  /** When the hub received the record: its time when the document names none. */
  receivedAt: number;
}

/** When a record was dispensed, as the lot index dates it (ISO ms). */
export const dispensedAt = (r: IndexedRevision): string => isoMs(recordTime(r.doc) ?? r.receivedAt);

/** One ingredient line of a record: its product, the lot it took from (null: none named) and how much. */
export interface IngredientLine {
  line: string;
  product: IdentifierView;
  lot: LotRef | null;
  quantity: Quantity | null;
}

/** The ingredient lines of a record: one per source container naming a lot, one per line (or lotless container) naming none. */
export function ingredientLines(doc: WorkRecordDocument): IngredientLine[] {
  const out: IngredientLine[] = [];
  ((doc.productGroup ?? []) as unknown as Group[]).forEach((g, gi) => {
    g.product.forEach((p, pi) => {
      const product = view(p.identifier[0]);
      if (!product) return;
      const containers = p.sourceContainer ?? [];
      const lotted = containers.filter((c) => lotOf(c));
      containers.forEach((c, ci) => {
        const lot = lotOf(c);
        if (lot) out.push({ line: `${gi}.${pi}.${ci}`, product, lot, quantity: qty(c.actualQuantity) ?? qty(p.actualQuantity) });
      });
      if (lotted.length === 0) out.push({ line: `${gi}.${pi}`, product, lot: null, quantity: qty(p.actualQuantity) });
      else {
        containers.forEach((c, ci) => {
          if (!lotOf(c) && c.actualQuantity) out.push({ line: `${gi}.${pi}.${ci}`, product, lot: null, quantity: qty(c.actualQuantity) });
        });
      }
    });
  });
  return out;
}

/** The lots a record's product groups made (destination containers naming a lot), with their place. */
export function madeLots(
  doc: WorkRecordDocument,
): { line: string; group: number; lot: LotRef; product: IdentifierView | null; quantity: Quantity | null }[] {
  const out: ReturnType<typeof madeLots> = [];
  ((doc.productGroup ?? []) as unknown as Group[]).forEach((g, gi) => {
    (g.destinationContainer ?? []).forEach((c, ci) => {
      const lot = lotOf(c);
      if (lot)
        out.push({
          line: `${gi}.${ci}`,
          group: gi,
          lot,
          product: view(g.identifier[0]),
          quantity: qty(c.actualQuantity) ?? qty(g.actualQuantity),
        });
    });
  });
  return out;
}

/**
 * The lot index entries of a record's revision: a `use` entry per source container naming a
 * lot, a `made` entry per destination container naming one, and (not for a voided revision) an
 * `unlotted` entry per ingredient line that names no lot. A voided revision keeps its uses
 * (flagged voided), so a trace lists it under `voided`.
 */
export function lotEntries(r: IndexedRevision): LotEntry[] {
  const at = dispensedAt(r);
  const groups = (r.doc.productGroup ?? []) as unknown as Group[];
  const record = { agency: r.agency, number: r.number };
  const workOrder = { agency: r.doc.workOrderIdentifier.agency, number: r.doc.workOrderIdentifier.number };
  const made = madeLots(r.doc);
  const base = (line: string, group: number, component: IdentifierView, quantity: Quantity | null): LotLine => ({
    record,
    revision: r.revision,
    line,
    workOrder,
    dispensedAt: at,
    product: view(groups[group]?.identifier[0]),
    component,
    quantity,
    destinationLots: made.filter((m) => m.group === group).map((m) => m.lot),
    voided: r.voided,
  });
  const out: LotEntry[] = [];
  for (const l of ingredientLines(r.doc)) {
    const group = Number(l.line.split('.')[0]);
    const data = base(l.line, group, l.product, l.quantity);
    if (l.lot) out.push({ kind: 'use', agency: l.lot.agency, number: l.lot.number, line: l.line, data });
    else if (!r.voided) out.push({ kind: 'unlotted', agency: l.product.agency, number: l.product.number, line: l.line, at, data });
  }
  for (const m of made) {
    if (!m.product) continue;
    out.push({
      kind: 'made',
      agency: m.lot.agency,
      number: m.lot.number,
      line: m.line,
      data: base(m.line, m.group, m.product, m.quantity),
    });
  }
  return out;
}

/** What a record's derived state remembers of its lot entries: each entry's key and content hash. */
export type LotEntryHashes = Record<string, string>;

/** What one record's step writes to the lot index: entries new or changed, entries of the counted revision no longer there. */
export interface LotIndexStep {
  puts: LotEntry[];
  deletes: LotEntryRef[];
  hashes: LotEntryHashes;
}

/** The difference between the entries counted (their hashes; absent: none written) and the latest revision's. */
export function lotIndexStep(counted: LotEntryHashes | undefined, latest: readonly LotEntry[]): LotIndexStep {
  const hashes: LotEntryHashes = {};
  const puts: LotEntry[] = [];
  for (const e of latest) {
    const key = entryKey(e);
    if (key in hashes) continue; // the same line twice cannot happen; keep the first
    hashes[key] = hashOf(e);
    if (counted?.[key] !== hashes[key]) puts.push(e);
  }
  const deletes = Object.keys(counted ?? {})
    .filter((k) => !(k in hashes))
    .map(entryRefOf);
  return { puts, deletes, hashes };
}

/** The distinct lots of these entries' uses and blends (what a facility has seen). */
export function lotsOf(entries: readonly LotEntryRef[]): LotRef[] {
  const out = new Map<string, LotRef>();
  for (const e of entries) if (e.kind !== 'unlotted') out.set(lotKey(e), { agency: e.agency, number: e.number });
  return [...out.values()];
}
