/**
 * Lot traceability (API.md, "Lot traceability (recalls)"): the forward walk from a lot over the
 * lots its blends made, the exception trace (`possible`), the parties a recall notice goes to,
 * and the backward view of a record's ingredients. Pure: the use case (use-cases/trace-lots.ts)
 * reads one level of lot partitions at a time and hands them to `advance`.
 *
 * The walk is breadth-first with a visited set: a lot reached again through another blend is
 * not walked twice (its records are listed once, at the shallowest depth), and a lot reached
 * from one of its own descendants is a cycle — reported in `cycles`, never walked again. A depth
 * and a lot bound stop a walk that would not end in time (`truncated`).
 */
import { addDecimal, formatDecimal, parseDecimal } from './decimal.ts';
import { identityKey } from './documents.ts';
import { invalidInput } from './errors.ts';
import type { IdentifierView, LotLine, LotReceipt, LotRef, Quantity } from './lots.ts';
import { lotKey, sameLot } from './lots.ts';

export type { LotLine, LotReceipt, LotRef } from './lots.ts';

/** Most lots one walk reads, and its deepest chain of blends: beyond either the answer says `truncated`. */
export const TRACE_LIMITS = { lots: 2000, depth: 64 } as const;

/** What one lot's partition holds (after pending records are laid over it). */
export interface LotPartition {
  uses: LotLine[];
  made: LotLine[];
  receipts: LotReceipt[];
}

/** A party as the trace shows it: its role, its name (the first identifier's) and identifiers. */
export interface TraceParty {
  partyType: string;
  name: string | null;
  identifier: IdentifierView[];
}

/** A row of the forward trace (affected, possible, voided). */
export interface TraceRow {
  workRecord: { agency: string; number: string };
  revision: number;
  workOrder: { agency: string; number: string } | null;
  dispensedAt: string;
  product: IdentifierView | null;
  component: IdentifierView;
  quantity: Quantity | null;
  /** Lines of the same record and lot in another unit than `quantity`'s (rare; absent when none). */
  otherQuantities?: Quantity[];
  via: LotRef[];
  destinationLots: LotRef[];
  parties: TraceParty[];
}

/** One lot to read: the lot and the chain of blend lots from the traced lot to it (empty for the traced lot). */
export interface WalkItem {
  lot: LotRef;
  via: LotRef[];
}

/** A forward walk in progress. */
export interface Walk {
  root: LotRef;
  /** The lots to read next (one level). */
  frontier: WalkItem[];
  visited: Map<string, WalkItem>;
  affected: Map<string, TraceRow>;
  voided: Map<string, TraceRow>;
  cycles: LotRef[][];
  /** Each lot read, with what its partition held (for receipts and the possible window). */
  read: Map<string, { item: WalkItem; partition: LotPartition }>;
  truncated: boolean;
}

export const recordKey = (r: { agency: string; number: string }): string => identityKey(r.agency, r.number);

/** A walk from this lot. */
export function startWalk(root: LotRef): Walk {
  const item = { lot: root, via: [] };
  return {
    root,
    frontier: [item],
    visited: new Map([[lotKey(root), item]]),
    affected: new Map(),
    voided: new Map(),
    cycles: [],
    read: new Map(),
    truncated: false,
  };
}

const rowOf = (l: LotLine, via: LotRef[]): TraceRow => ({
  workRecord: l.record,
  revision: l.revision,
  workOrder: l.workOrder,
  dispensedAt: l.dispensedAt,
  product: l.product,
  component: l.component,
  quantity: l.quantity,
  via,
  destinationLots: l.destinationLots,
  parties: [],
});

/** Adds a line to the rows: a new record's row, or its quantity summed into the row already there (same lot, same unit). */
function addLine(rows: Map<string, TraceRow>, line: LotLine, via: LotRef[]): void {
  const id = recordKey(line.record);
  const row = rows.get(id);
  if (!row) {
    rows.set(id, rowOf(line, via));
    return;
  }
  if (row.via.length !== via.length || !line.quantity) return; // listed already, nearer the traced lot
  if (row.quantity && row.quantity.uom === line.quantity.uom) {
    row.quantity = {
      value: Number(formatDecimal(addDecimal(parseDecimal(row.quantity.value), parseDecimal(line.quantity.value)))),
      uom: row.quantity.uom,
    };
  } else if (!row.quantity) row.quantity = line.quantity;
  else row.otherQuantities = [...(row.otherQuantities ?? []), line.quantity];
}

/**
 * One level of the walk: the partitions of the frontier's lots (by lotKey) are read; their uses
 * become rows (voided ones apart), and the lots their blends made are the next frontier — unless
 * already walked (another path reached them first) or one of the chain's own lots (a cycle).
 */
export function advance(walk: Walk, partitions: ReadonlyMap<string, LotPartition>): Walk {
  const next: WalkItem[] = [];
  for (const item of walk.frontier) {
    const partition = partitions.get(lotKey(item.lot)) ?? { uses: [], made: [], receipts: [] };
    walk.read.set(lotKey(item.lot), { item, partition });
    const chain = [walk.root, ...item.via];
    for (const use of partition.uses) {
      if (use.voided) {
        if (!walk.affected.has(recordKey(use.record))) addLine(walk.voided, use, item.via);
        continue;
      }
      walk.voided.delete(recordKey(use.record));
      addLine(walk.affected, use, item.via);
      for (const made of use.destinationLots) {
        const at = chain.findIndex((l) => sameLot(l, made));
        if (at >= 0) {
          const cycle = [...chain.slice(at), made];
          if (!walk.cycles.some((c) => JSON.stringify(c) === JSON.stringify(cycle))) walk.cycles.push(cycle);
          continue;
        }
        if (walk.visited.has(lotKey(made))) continue;
        if (walk.visited.size >= TRACE_LIMITS.lots || item.via.length + 1 > TRACE_LIMITS.depth) {
          walk.truncated = true;
          continue;
        }
        const child = { lot: made, via: [...item.via, made] };
        walk.visited.set(lotKey(made), child);
        next.push(child);
      }
    }
  }
  walk.frontier = next;
  return walk;
}

/**
 * The whole walk over partitions already at hand (unit tests; the use case reads level by
 * level with `advance`).
 */
export function walkAll(root: LotRef, partitions: ReadonlyMap<string, LotPartition>): Walk {
  const walk = startWalk(root);
  while (walk.frontier.length > 0) advance(walk, partitions);
  return walk;
}

/**
 * A lot's period for the exception trace: from its first receipt or first use (or the blend that
 * made it), whichever is earlier, to its last use; a lot with no use yet is open-ended (`to`
 * null: until now). Null for a lot nobody reported.
 */
export function lotPeriod(partition: LotPartition): { from: string; to: string | null } | null {
  const starts = [
    ...partition.receipts.map((r) => r.receivedAt),
    ...partition.uses.map((u) => u.dispensedAt),
    ...partition.made.map((m) => m.dispensedAt),
  ].sort();
  if (starts.length === 0) return null;
  const uses = partition.uses.map((u) => u.dispensedAt).sort();
  return { from: starts[0]!, to: uses.length > 0 ? uses[uses.length - 1]! : null };
}

/** The components a lot is of: what its uses took, what its receipts brought, what its blends made. */
export function lotComponents(partition: LotPartition): IdentifierView[] {
  const out = new Map<string, IdentifierView>();
  for (const c of [
    ...partition.uses.map((u) => u.component),
    ...partition.receipts.map((r) => r.component),
    ...partition.made.map((m) => m.component),
  ]) {
    if (!out.has(recordKey(c))) out.set(recordKey(c), c);
  }
  return [...out.values()];
}

/**
 * The exception trace: unlotted lines of the lot's components dated inside its period, one row
 * per record, leaving out records already affected or voided.
 */
export function possibleRows(walk: Walk, unlotted: ReadonlyMap<string, LotLine[]>): TraceRow[] {
  const rows = new Map<string, TraceRow>();
  for (const [key, { item }] of walk.read) {
    for (const line of unlotted.get(key) ?? []) {
      const id = recordKey(line.record);
      if (walk.affected.has(id) || walk.voided.has(id)) continue;
      addLine(rows, line, item.via);
    }
  }
  return [...rows.values()];
}

/** Rows oldest first, then by record. */
export const byTime = (a: TraceRow, b: TraceRow): number =>
  a.dispensedAt < b.dispensedAt ? -1 : a.dispensedAt > b.dispensedAt ? 1 : recordKey(a.workRecord) < recordKey(b.workRecord) ? -1 : 1;

type Party = { identifier?: { agency: string; number: string; name?: unknown }[]; partyType?: string };
const ROLES = [
  ['buyer', 'Buyer'],
  ['seller', 'Seller'],
  ['shipTo', 'ShipTo'],
  ['deliverTo', 'DeliverTo'],
  ['billTo', 'BillTo'],
] as const;

/**
 * Everyone an order (or, for a record whose order the hub does not know, the record) names:
 * buyer, seller, ship-to, deliver-to, bill-to, and the `other` parties by their own type (grower,
 * farm, field, …; `Other` when none is given).
 */
export function partiesOf(doc: { parties?: unknown } | null | undefined): TraceParty[] {
  const parties = (doc?.parties ?? {}) as Record<string, Party | Party[] | undefined>;
  const out: TraceParty[] = [];
  const add = (p: Party | undefined, type: string) => {
    if (!p?.identifier?.length) return;
    const identifier = p.identifier.map((i) => ({
      agency: i.agency,
      number: i.number,
      ...(typeof i.name === 'string' ? { name: i.name } : {}),
    }));
    out.push({ partyType: p.partyType ?? type, name: identifier.find((i) => i.name)?.name ?? null, identifier });
  };
  for (const [field, type] of ROLES) add(parties[field] as Party | undefined, type);
  for (const p of (parties.other as Party[] | undefined) ?? []) add(p, 'Other');
  return out;
}

/** What the trace query asks, checked: a lot (forward or backward) or a record (backward). */
export type TraceQuery =
  | { kind: 'lot'; number: string; agency: string | null; direction: 'forward' | 'backward' }
  | { kind: 'workRecord'; number: string; agency: string | null };

/** Reads the trace's query parameters: exactly one of `lot` and `workRecord`; `direction` only with a lot (a record is traced backward). */
export function parseTraceQuery(q: { lot?: string; workRecord?: string; agency?: string; direction?: 'forward' | 'backward' }): TraceQuery {
  if (q.lot !== undefined && q.workRecord !== undefined) {
    throw invalidInput('Trace a lot or a work record, not both.', [
      { path: '/queryStringParameters/workRecord', message: 'must not be given with lot' },
    ]);
  }
  if (q.workRecord !== undefined) {
    if (q.direction === 'forward') {
      throw invalidInput('A work record is traced backward (what went into it); trace its lots forward.', [
        { path: '/queryStringParameters/direction', message: 'must be backward (or absent) with workRecord' },
      ]);
    }
    return { kind: 'workRecord', number: q.workRecord, agency: q.agency ?? null };
  }
  if (q.lot === undefined) {
    throw invalidInput('Name the lot to trace (?lot=NUMBER) or a work record (?workRecord=NUMBER).', [
      { path: '/queryStringParameters/lot', message: 'is required (or workRecord)' },
    ]);
  }
  return { kind: 'lot', number: q.lot, agency: q.agency ?? null, direction: q.direction ?? 'forward' };
}

/**
 * The agency of a lot named by number alone: the one agency the facility knows it under (a
 * receipt's agency-less lot `-` is the same lot). Several → 400 naming `agency`; none → null (an
 * unknown lot: an empty answer).
 */
export function resolveLotAgency(number: string, agencies: readonly string[], noAgency: string): string | null {
  const named = [...new Set(agencies.filter((a) => a !== noAgency))].sort();
  if (named.length > 1) {
    throw invalidInput(`${named.length} lots of this facility have number ${number} (agencies ${named.join(', ')}): name the agency.`, [
      { path: '/queryStringParameters/agency', message: `is required: one of ${named.join(', ')}` },
    ]);
  }
  if (named.length === 1) return named[0]!;
  return agencies.includes(noAgency) ? noAgency : null;
}

/** The CSV columns of a forward trace (docs/api.md): one row per affected or possible record. */
export const TRACE_CSV_HEADER = [
  'kind',
  'facilityId',
  'workRecordAgency',
  'workRecordNumber',
  'revision',
  'workOrderAgency',
  'workOrderNumber',
  'dispensedAt',
  'productAgency',
  'productNumber',
  'productName',
  'componentNumber',
  'quantity',
  'uom',
  'via',
  'destinationLots',
  'parties',
] as const;

const lotText = (l: LotRef) => (l.agency === '-' ? l.number : `${l.number} (${l.agency})`);

/** One CSV row of a trace row (`kind`: affected or possible). */
export function traceCsvRow(
  kind: 'affected' | 'possible',
  row: TraceRow & { facilityId?: string },
  facilityId: string,
): (string | number | { raw: string } | null)[] {
  return [
    kind,
    row.facilityId ?? facilityId,
    row.workRecord.agency,
    row.workRecord.number,
    row.revision,
    row.workOrder?.agency ?? null,
    row.workOrder?.number ?? null,
    row.dispensedAt,
    row.product?.agency ?? null,
    row.product?.number ?? null,
    row.product?.name ?? null,
    row.component.number,
    row.quantity ? { raw: String(row.quantity.value) } : null,
    row.quantity?.uom ?? null,
    row.via.map(lotText).join(' > '),
    row.destinationLots.map(lotText).join('; '),
    row.parties.map((p) => `${p.partyType}: ${p.name ?? p.identifier[0]?.number ?? ''}`).join('; '),
  ];
}
