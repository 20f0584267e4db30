/**
 * Use case: lot traceability (API.md, "Lot traceability (recalls)"). Forward: where did a lot
 * go — its receipts, every record that used it directly or through blend lots made from it
 * (domain/lot-trace.ts walks them level by level, one Query per lot), the records of its
 * components inside its period that named no lot, and the voided ones. Backward: what went into
 * a record or a blend lot, with the ingredients' receipts and one level further for a blend lot
 * of the facility. Across facilities: the same at every facility that knows the lot.
 *
 * A trace reads the lot index (written by the derive engine with each record revision) and lays
 * over it the facility's record heads whose latest revision is not derived yet (the pending-derive
 * index, usually empty): their entries are computed from the heads themselves, so a stored record
 * is never missed. It costs what it returns: the lots it walks, the lines it lists, their orders.
 */
import { identityKey } from '../domain/documents.ts';
import { invalidInput, notFound } from '../domain/errors.ts';
import {
  advance,
  byTime,
  type LotPartition,
  lotComponents,
  lotPeriod,
  partiesOf,
  possibleRows,
  recordKey,
  resolveLotAgency,
  startWalk,
  type TraceRow,
  type Walk,
} from '../domain/lot-trace.ts';
import {
  type IdentifierView,
  ingredientLines,
  type LotEntry,
  type LotLine,
  type LotReceipt,
  type LotRef,
  lotEntries,
  lotKey,
  NO_LOT_AGENCY,
  type Quantity,
} from '../domain/lots.ts';
import type { RecordHead } from '../domain/record-figures.ts';

type Identity = { agency: string; number: string };

const NO_AGENCY = NO_LOT_AGENCY;

/** The reads of a trace, in the domain's terms (store/trace-store.ts; a memory store in unit tests). */
export interface TraceStore {
  readLotPartition(facilityId: string, lot: LotRef): Promise<LotPartition>;
  readUnlotted(facilityId: string, component: Identity, from: string, to: string | null): Promise<LotLine[]>;
  readLotSeen(number: string, facilityId?: string): Promise<{ facilityId: string; agency: string }[]>;
  readPendingHeads(facilityId: string): Promise<RecordHead[]>;
  loadRecordHeads(facilityId: string, identities: readonly Identity[]): Promise<RecordHead[]>;
  findRecordHeads(facilityId: string, number: string, agency: string | null): Promise<RecordHead[]>;
  loadOrderDocs(facilityId: string, identities: readonly Identity[]): Promise<ReadonlyMap<string, { parties?: unknown }>>;
}

export interface ForwardTrace {
  lot: { agency?: string; number: string };
  direction: 'forward';
  receipts: (LotReceipt & { facilityId?: string })[];
  affected: TraceRow[];
  possible: TraceRow[];
  voided: TraceRow[];
  cycles: { facilityId?: string; lots: LotRef[] }[];
  truncated: boolean;
}

export interface Ingredient {
  workRecord: Identity;
  product: IdentifierView;
  lot: LotRef | null;
  quantity: Quantity | null;
  receipts: LotReceipt[];
  from: Ingredient[];
}

export interface BackwardTrace {
  lot?: { agency?: string; number: string };
  workRecord?: Identity;
  direction: 'backward';
  receipts: LotReceipt[];
  ingredients: Ingredient[];
}

/** A facility's view of the lot index with its pending records laid over it. */
interface View {
  facilityId: string;
  pending: Set<string>;
  entries: LotEntry[];
}

async function viewOf(store: TraceStore, facilityId: string): Promise<View> {
  const heads = await store.readPendingHeads(facilityId);
  return { facilityId, pending: new Set(heads.map(recordKey)), entries: heads.flatMap((h) => lotEntries(h)) };
}

const lineOf = (e: LotEntry): LotLine => e.data;

async function partitionOf(store: TraceStore, view: View, lot: LotRef, withAgencyless: boolean): Promise<LotPartition> {
  const [stored, agencyless] = await Promise.all([
    store.readLotPartition(view.facilityId, lot),
    withAgencyless && lot.agency !== NO_AGENCY ? store.readLotPartition(view.facilityId, { agency: NO_AGENCY, number: lot.number }) : null,
  ]);
  const fresh = (l: LotLine) => !view.pending.has(recordKey(l.record));
  const mine = view.entries.filter((e) => e.agency === lot.agency && e.number === lot.number);
  const receipts = new Map([...stored.receipts, ...(agencyless?.receipts ?? [])].map((r) => [r.receiptId, r]));
  return {
    uses: [...stored.uses.filter(fresh), ...mine.filter((e) => e.kind === 'use').map(lineOf)],
    made: [...stored.made.filter(fresh), ...mine.filter((e) => e.kind === 'made').map(lineOf)],
    receipts: [...receipts.values()].sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0)),
  };
}

async function unlottedOf(store: TraceStore, view: View, component: Identity, from: string, to: string | null): Promise<LotLine[]> {
  const stored = await store.readUnlotted(view.facilityId, component, from, to);
  const inside = (at: string) => at >= from && (to === null || at <= to);
  return [
    ...stored.filter((l) => !view.pending.has(recordKey(l.record))),
    ...view.entries
      .filter((e) => e.kind === 'unlotted' && e.agency === component.agency && e.number === component.number && inside(e.data.dispensedAt))
      .map(lineOf),
  ];
}

/** The lot a query names at a facility: its agency as given, or the one the facility knows it under; null: unknown. */
async function lotAt(store: TraceStore, facilityId: string, number: string, agency: string | null): Promise<LotRef | null> {
  if (agency !== null) return { agency, number };
  const seen = await store.readLotSeen(number, facilityId);
  const resolved = resolveLotAgency(
    number,
    seen.map((s) => s.agency),
    NO_AGENCY,
  );
  return resolved === null ? null : { agency: resolved, number };
}

const lotView = (lot: LotRef | null, number: string) => (lot === null || lot.agency === NO_AGENCY ? { number } : lot);

/** The parties of each row's order (or of the record itself when the hub does not know its order). */
async function withParties(store: TraceStore, facilityId: string, rows: TraceRow[]): Promise<void> {
  const orders = await store.loadOrderDocs(
    facilityId,
    rows.flatMap((r) => (r.workOrder ? [r.workOrder] : [])),
  );
  const unknown = rows.filter((r) => !r.workOrder || !orders.has(identityKey(r.workOrder.agency, r.workOrder.number)));
  const heads =
    unknown.length === 0
      ? new Map<string, RecordHead>()
      : new Map(
          (
            await store.loadRecordHeads(
              facilityId,
              unknown.map((r) => r.workRecord),
            )
          ).map((h) => [recordKey(h), h]),
        );
  for (const row of rows) {
    const order = row.workOrder ? orders.get(identityKey(row.workOrder.agency, row.workOrder.number)) : undefined;
    row.parties = partiesOf(order ?? (heads.get(recordKey(row.workRecord))?.doc as { parties?: unknown } | undefined));
  }
}

/** The forward trace of a lot at one facility. */
export async function traceForward(store: TraceStore, facilityId: string, number: string, agency: string | null): Promise<ForwardTrace> {
  const [lot, view] = await Promise.all([lotAt(store, facilityId, number, agency), viewOf(store, facilityId)]);
  const empty: ForwardTrace = {
    lot: lotView(lot, number),
    direction: 'forward',
    receipts: [],
    affected: [],
    possible: [],
    voided: [],
    cycles: [],
    truncated: false,
  };
  if (lot === null) return empty;
  const walk: Walk = startWalk(lot);
  let first = true;
  while (walk.frontier.length > 0) {
    const parts = await Promise.all(walk.frontier.map((i) => partitionOf(store, view, i.lot, first)));
    first = false;
    advance(walk, new Map(walk.frontier.map((i, n) => [lotKey(i.lot), parts[n]!])));
  }
  // The exception trace: per lot walked, its components' unlotted lines inside its period.
  const unlotted = new Map<string, LotLine[]>();
  await Promise.all(
    [...walk.read].map(async ([key, { partition }]) => {
      const period = lotPeriod(partition);
      if (!period) return;
      const lines = await Promise.all(lotComponents(partition).map((c) => unlottedOf(store, view, c, period.from, period.to)));
      unlotted.set(key, lines.flat());
    }),
  );
  const affected = [...walk.affected.values()].sort(byTime);
  const possible = possibleRows(walk, unlotted).sort(byTime);
  const voided = [...walk.voided.values()].sort(byTime);
  await withParties(store, facilityId, [...affected, ...possible, ...voided]);
  return {
    ...empty,
    receipts: walk.read.get(lotKey(lot))?.partition.receipts ?? [],
    affected,
    possible,
    voided,
    cycles: walk.cycles.map((lots) => ({ lots })),
    truncated: walk.truncated,
  };
}

/** The ingredients of these records; `depth` 1 goes one level further for lots the facility blended. */
async function ingredientsOf(store: TraceStore, view: View, heads: RecordHead[], depth: number, seen: Set<string>): Promise<Ingredient[]> {
  const out: Ingredient[] = [];
  for (const head of heads) {
    for (const line of ingredientLines(head.doc)) {
      const partition = line.lot ? await partitionOf(store, view, line.lot, true) : null;
      let from: Ingredient[] = [];
      if (partition && depth > 0 && line.lot && !seen.has(lotKey(line.lot))) {
        const makers = partition.made.filter((m) => !m.voided).map((m) => m.record);
        if (makers.length > 0) {
          const made = await store.loadRecordHeads(view.facilityId, makers);
          from = await ingredientsOf(store, view, made, depth - 1, new Set([...seen, lotKey(line.lot)]));
        }
      }
      out.push({
        workRecord: { agency: head.agency, number: head.number },
        product: line.product,
        lot: line.lot,
        quantity: line.quantity,
        receipts: partition?.receipts ?? [],
        from,
      });
    }
  }
  return out;
}

/** The backward trace of a record (by number, and agency when two share it): its ingredients. Unknown record → 404. */
export async function traceRecordBackward(
  store: TraceStore,
  facilityId: string,
  number: string,
  agency: string | null,
): Promise<BackwardTrace> {
  const [heads, view] = await Promise.all([store.findRecordHeads(facilityId, number, agency), viewOf(store, facilityId)]);
  if (heads.length === 0) throw notFound(`No work record ${number} at facility ${facilityId}.`);
  if (heads.length > 1) {
    throw invalidInput(`${heads.length} work records have number ${number}: name the agency.`, [
      { path: '/queryStringParameters/agency', message: `is required: one of ${heads.map((h) => h.agency).join(', ')}` },
    ]);
  }
  const head = heads[0]!;
  return {
    workRecord: { agency: head.agency, number: head.number },
    direction: 'backward',
    receipts: [],
    ingredients: await ingredientsOf(store, view, [head], 1, new Set()),
  };
}

/** The backward trace of a lot: its receipts, and what went into the blends that made it (one level further for blend lots). */
export async function traceLotBackward(
  store: TraceStore,
  facilityId: string,
  number: string,
  agency: string | null,
): Promise<BackwardTrace> {
  const [lot, view] = await Promise.all([lotAt(store, facilityId, number, agency), viewOf(store, facilityId)]);
  if (lot === null) return { lot: { number }, direction: 'backward', receipts: [], ingredients: [] };
  const partition = await partitionOf(store, view, lot, true);
  const makers = partition.made.filter((m) => !m.voided).map((m) => m.record);
  const heads = makers.length === 0 ? [] : await store.loadRecordHeads(facilityId, makers);
  return {
    lot: lotView(lot, number),
    direction: 'backward',
    receipts: partition.receipts,
    ingredients: await ingredientsOf(store, view, heads, 1, new Set([lotKey(lot)])),
  };
}

/** A row with the facility it belongs to (the cross-facility trace). */
const at = <T extends object>(facilityId: string, rows: T[]) => rows.map((r) => ({ facilityId, ...r }));

/**
 * A lot traced at every facility that knows it (`GET /trace`): the facilities' answers merged,
 * every row with its `facilityId`. Without an agency, the lot number must name one lot across the
 * stack (else 400 naming agency).
 */
export async function traceEverywhere(
  store: TraceStore,
  number: string,
  agency: string | null,
  direction: 'forward' | 'backward',
): Promise<(ForwardTrace | BackwardTrace) & { facilities: string[] }> {
  const seen = await store.readLotSeen(number);
  const lotAgency =
    agency ??
    resolveLotAgency(
      number,
      seen.map((s) => s.agency),
      NO_AGENCY,
    );
  const facilities = [
    ...new Set(seen.filter((s) => lotAgency !== null && (s.agency === lotAgency || s.agency === NO_AGENCY)).map((s) => s.facilityId)),
  ].sort();
  const lot = lotAgency === null || lotAgency === NO_AGENCY ? { number } : { agency: lotAgency, number };
  if (direction === 'backward') {
    const parts = await Promise.all(facilities.map((f) => traceLotBackward(store, f, number, lotAgency)));
    return {
      lot,
      direction,
      facilities,
      receipts: parts.flatMap((p, i) => at(facilities[i]!, p.receipts)),
      ingredients: parts.flatMap((p, i) => at(facilities[i]!, p.ingredients)),
    };
  }
  const parts = await Promise.all(facilities.map((f) => traceForward(store, f, number, lotAgency)));
  return {
    lot,
    direction,
    facilities,
    receipts: parts.flatMap((p, i) => at(facilities[i]!, p.receipts)),
    affected: parts.flatMap((p, i) => at(facilities[i]!, p.affected)),
    possible: parts.flatMap((p, i) => at(facilities[i]!, p.possible)),
    voided: parts.flatMap((p, i) => at(facilities[i]!, p.voided)),
    cycles: parts.flatMap((p, i) => at(facilities[i]!, p.cycles)),
    truncated: parts.some((p) => p.truncated),
  };
}
