/**
 * The two shapes of a MixTicket document: canonical (camelCase, code values as strings,
 * as in schemas/) and the standard's older form (its sample files and .NET library):
 * PascalCase names, code values as integers (the index in the standard's code list),
 * `Sender`/`Receiver` as `{"Identifier": [...]}`, `OtherParty`, `TransportInformation`,
 * JSON booleans and alpha-2 countries. Each direction is one walk of the document alongside
 * the model derived from the schemas (legacy-codes.ts). Pure: no I/O.
 */
import { pointerToken as escapeSegment, isJsonObject, type JsonObject } from './documents.ts';
import { type ErrorItem, invalidInput } from './errors.ts';
import {
  COUNTRY_ALPHA2,
  type CodeList,
  DEFAULT_ORDER_STATUS,
  type DocumentKind,
  legacyModel,
  type ObjectShape,
  type Prop,
  type Shape,
} from './legacy-codes.ts';
import { isZonelessDateTime, netDateTime, withColonTimeSeparators, zonedDateTime } from './time.ts';

export type { DocumentKind } from './legacy-codes.ts';

/** The two older forms the hub serves: .NET enum names and its date format, or the sample files' integers. */
export type LegacyForm = 'legacy' | 'legacy-numeric';

/** A value the canonical form cannot hold, named in the answer (the request still succeeds). */
export type Warning = ErrorItem;

/**
 * What the canonical form cannot hold of one older-form document, kept with it (its extras) so
 * that the older form serves it back. `at` is the canonical JSON pointer, within the document,
 * of the object it belongs to:
 *  - `party`: the rest of a header's Sender or Receiver (`/header/sender`), read as a canonical
 *    Party (common.schema.json `party`; codes canonical): `identifier` holds the identifiers after
 *    the first, the canonical one; PartyType, Address, Contact, ... their own members;
 *  - `values`: members of an object the standard does not have (an Address's County and
 *    Township), as sent, under the library's names.
 */
export type Extra = { at: string; party: JsonObject } | { at: string; values: JsonObject };
export type Extras = readonly Extra[];

/**
 * How to read date-times that carry no zone (Json.NET writes a database DateTime so):
 * an IANA zone to read them in, null to refuse them (400 saying how to fix it), or
 * undefined to leave them for validation (pure conversions, tests).
 */
export interface ReadOptions {
  timeZone?: string | null;
}

/** The 400 message of a zone-less date-time sent with a key that has no zone. */
export const ZONELESS_HINT =
  'has no time zone; send it with its offset (e.g. 2026-03-16T06:41:57.204-05:00), or use an API key made with --time-zone ' +
  '(npm run keys -- create ... --time-zone America/Chicago), whose zone the hub then reads zone-less date-times in';

type Obj = JsonObject;
const isObj = isJsonObject;
const ALPHA2 = new Map(Object.entries(COUNTRY_ALPHA2));
const ALPHA3 = new Map(Object.entries(COUNTRY_ALPHA2).map(([a3, a2]) => [a2.toLowerCase(), a3] as const));

/**
 * True when a document is in the older form: an object with a top-level property name
 * that starts with a capital letter (`Header`, `WorkOrderIdentifier`, …). Decided per
 * document, so one batch may mix both forms.
 */
export function isLegacyDocument(doc: unknown): boolean {
  if (!isObj(doc)) return false;
  for (const key of Object.keys(doc)) {
    const c = key.charCodeAt(0);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

/**
 * Older form → canonical, for one document found at `pointer` (e.g. `/dispensingWorkOrder/2`).
 * Property names match case-insensitively (so camelCase keys inside a legacy document pass
 * unchanged); names it does not know are kept as sent, for schema validation to report.
 * Code values: an integer is the index in the standard's list; a string is matched
 * case-insensitively (.NET `Liquid`, `Create`) plus the aliases in legacy-codes.ts (`GS` → `GS1`).
 * Work records without `orderStatus` (every sample of the standard) get `complete`: the
 * older form has no other way to say a dispense is finished, and the samples report actual
 * quantities of a finished batch.
 * @throws HubError invalid-input for integer codes outside a list (and for one property sent
 *   under two spellings), with the paths as the client sent them and the accepted values.
 * @returns the canonical document, and `toClientPath`, which turns a path into the canonical
 *   document (full, starting with `pointer`, or relative to the document) into the path the
 *   client sent. A path to a missing property ends in the name the client would have used.
 */
export function fromLegacy(
  kind: DocumentKind,
  doc: unknown,
  pointer: string,
  options: ReadOptions = {},
): { document: unknown; toClientPath: (canonicalPath: string) => string; warnings: Warning[]; extras: Extra[] } {
  const root = legacyModel().shapes[kind];
  const walk: Walk = { path: [], at: [], errors: [], warnings: [], extras: [], keep: false, pointer, timeZone: options.timeZone };
  const document = inValue(root, doc, walk);
  if (kind === 'workRecord' && isObj(document) && !Object.hasOwn(document, 'orderStatus')) {
    document.orderStatus = DEFAULT_ORDER_STATUS;
  }
  if (walk.errors.length > 0) {
    const [first] = walk.errors;
    const detail =
      walk.errors.length === 1 && first
        ? `${first.path}: ${first.message}.`
        : `${walk.errors.length} values of this document are not valid in the older form; nothing was applied.`;
    throw invalidInput(detail, walk.errors);
  }
  const toClientPath = (canonicalPath: string): string => {
    const relative =
      pointer !== '' && (canonicalPath === pointer || canonicalPath.startsWith(`${pointer}/`))
        ? canonicalPath.slice(pointer.length)
        : canonicalPath;
    const segs = relative === '' ? [] : relative.slice(1).split('/').map(unescapeSegment);
    const out: string[] = [];
    resolve(root, doc, segs, 0, false, out);
    return pointer + out.map((s) => `/${escapeSegment(s)}`).join('');
  };
  return { document, toClientPath, warnings: walk.warnings, extras: walk.extras };
}

/**
 * Zone-less date-times of a canonical document (found at `pointer`) read in `timeZone`, in
 * place; the errors of those that cannot be (no zone on the key, a wall time the zone skips).
 */
export function resolveZonelessDateTimes(kind: DocumentKind, doc: unknown, pointer: string, timeZone: string | null): ErrorItem[] {
  const walk: Walk = { path: [], at: [], errors: [], warnings: [], extras: [], keep: false, pointer, timeZone };
  const visit = (shape: Shape, value: unknown): unknown => {
    if (shape.kind === 'dateTime') return inDateTime(value, walk);
    if (shape.kind === 'array' && Array.isArray(value)) {
      value.forEach((item, i) => {
        walk.path.push(i);
        value[i] = visit(shape.items, item);
        walk.path.pop();
      });
    } else if (shape.kind === 'object' && isObj(value)) {
      for (const key of Object.keys(value)) {
        const prop = shape.props.get(key);
        if (!prop) continue;
        walk.path.push(key);
        value[key] = visit(prop.shape, value[key]);
        walk.path.pop();
      }
    }
    return value;
  };
  visit(legacyModel().shapes[kind], doc);
  return walk.errors;
}

/**
 * Canonical → older form, for one document (what a legacy PCS or ERP reads): PascalCase
 * names, Sender/Receiver wrappers, OtherParty, TransportInformation, JSON booleans, alpha-2
 * countries, and then per form:
 *  - `legacy`, what the standard's current .NET library reads without loss: code values as
 *    its enum names (`AssignedBySender`, `Liquid`, `GS`), date-times exactly
 *    `yyyy-MM-ddTHH:mm:ss.fff±hh:mm` (same instant and offset, `Z` as `+00:00`), guaranteed
 *    analysis as its list `[{Nutrient: [...], Warning}]`;
 *  - `legacy-numeric`, the form of the standard's sample files: code values as integers (the
 *    index in the standard's list; a value the hub added to a list, which has none, as its
 *    .NET name), date-times as stored, `guaranteedAnalysisDetail` camelCase.
 * `legacy` writes the .NET library's spellings `Iamge` and `Descrpition` (it reads no other);
 * `legacy-numeric` the standard's `Image` and `Description`. Meant for valid canonical documents;
 * anything it does not recognise is copied as it is.
 * `extras`, the document's as fromLegacy read them, go back where they were sent: in `legacy`
 * all of them; in `legacy-numeric`, whose header Sender/Receiver is an identifier list only and
 * whose Address has no County or Township, the further identifiers.
 */
export function toLegacy(kind: DocumentKind, doc: unknown, form: LegacyForm = 'legacy', extras?: Extras): unknown {
  const out: Out = { names: form === 'legacy', extras: extras?.length ? new Map(extras.map((e) => [e.at, e])) : null };
  return outValue(legacyModel().shapes[kind], doc, false, out, out.extras ? '' : null);
}

// ---- older form → canonical ----

interface Walk {
  /** The client's path to the current value, pushed and popped as the walk goes. */
  path: (string | number)[];
  /** The canonical path to the current value (where an extra belongs). */
  at: (string | number)[];
  errors: ErrorItem[];
  warnings: Warning[];
  extras: Extra[];
  /** Inside a kept party: members the canonical form has no place for stay in it, unwarned. */
  keep: boolean;
  pointer: string;
  timeZone: string | null | undefined;
}

const pointerOf = (segs: (string | number)[]) => segs.map((s) => `/${escapeSegment(String(s))}`).join('');
const pathOf = (walk: Walk) => walk.pointer + pointerOf(walk.path);

function inValue(shape: Shape, value: unknown, walk: Walk): unknown {
  switch (shape.kind) {
    case 'object':
      return isObj(value) ? inObject(shape, value, walk) : value;
    case 'array': {
      if (!Array.isArray(value)) return value;
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        walk.path.push(i);
        walk.at.push(i);
        out[i] = inValue(shape.items, value[i], walk);
        walk.path.pop();
        walk.at.pop();
      }
      return out;
    }
    case 'code':
      return inCode(shape.list, value, walk);
    case 'country':
      if (typeof value === 'string') return ALPHA3.get(value.toLowerCase()) ?? shape.list.byLower.get(value.toLowerCase()) ?? value;
      return inCode(shape.list, value, walk);
    case 'flag':
      if (typeof value === 'boolean') return String(value);
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase();
      return value;
    case 'dateTime':
      return inDateTime(value, walk);
    default:
      return value;
  }
}

/**
 * A date-time of the older form: a culture's `.` time separator read as `:`; a zone-less one
 * read in the walk's zone; anything else is left for validation.
 */
function inDateTime(raw: unknown, walk: Walk): unknown {
  if (typeof raw !== 'string') return raw;
  const value = withColonTimeSeparators(raw);
  if (walk.timeZone === undefined || !isZonelessDateTime(value)) return value;
  if (walk.timeZone === null) {
    walk.errors.push({ path: pathOf(walk), message: `${raw} ${ZONELESS_HINT}` });
    return value;
  }
  const zoned = zonedDateTime(value, walk.timeZone);
  if (zoned === null) {
    walk.errors.push({
      path: pathOf(walk),
      message: `${raw} is not a time that exists in ${walk.timeZone} (this API key's --time-zone)`,
    });
    return value;
  }
  return zoned;
}

function inCode(list: CodeList, value: unknown, walk: Walk): unknown {
  if (typeof value === 'string') return list.index.has(value) ? value : (list.byLower.get(value.toLowerCase()) ?? value);
  if (typeof value !== 'number') return value;
  const code = Number.isInteger(value) && value < list.standardLength ? list.values[value] : undefined;
  if (code !== undefined) return code;
  const accepted = list.values
    .slice(0, list.standardLength)
    .map((v, i) => `${i} (${v})`)
    .join(', ');
  walk.errors.push({
    path: pathOf(walk),
    message: `${value} is not ${/^[aeiou]/i.test(list.name) ? 'an' : 'a'} ${list.name} code; accepted: ${accepted}`,
  });
  return value;
}

function inObject(shape: ObjectShape, obj: Obj, walk: Walk): Obj {
  const out: Obj = {};
  let kept: Obj | undefined;
  for (const key of Object.keys(obj)) {
    const prop = propOf(shape, key);
    if (prop === undefined) {
      const dropped = shape.dropped.get(key.toLowerCase());
      if (dropped === undefined) put(out, key, obj[key]);
      else if (walk.keep) put(out, dropped, obj[key]);
      else {
        walk.path.push(key);
        walk.warnings.push({
          path: pathOf(walk),
          message: `not in the canonical form (kept for the older form): the standard's ${shape.title} has no ${key}`,
        });
        walk.path.pop();
        kept ??= {};
        put(kept, dropped, obj[key]);
      }
      continue;
    }
    walk.path.push(key);
    walk.at.push(prop.name);
    if (Object.hasOwn(out, prop.name)) {
      const first = clientKeyOf(shape, obj, prop.name);
      walk.errors.push({ path: pathOf(walk), message: `names the same property as ${first}; send it once` });
    } else {
      out[prop.name] = inProp(prop, obj[key], walk);
    }
    walk.path.pop();
    walk.at.pop();
  }
  if (kept) walk.extras.push({ at: pointerOf(walk.at), values: kept });
  return out;
}

/** Assigns without invoking the `__proto__` setter (a key kept as sent may be anything). */
function put(out: Obj, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

function inProp(prop: Prop, value: unknown, walk: Walk): unknown {
  if (prop.special === 'wrapped') {
    const key = wrapperKey(value);
    if (key === undefined) return inValue(prop.shape, value, walk);
    // The canonical form holds one identifier: the first. An empty wrapper leaves `{}`
    // for validation to report the missing number and agency. Whatever else the party
    // carries (more identifiers, PartyType, Address, Contact, ...) is named in a warning
    // and kept apart, read as a canonical Party: the document's extras.
    const wrapper = value as Obj;
    const list = wrapper[key] as unknown[];
    walk.path.push(key, 0);
    const first = list.length > 0 ? inValue(prop.shape, list[0], walk) : {};
    walk.path.pop();
    const more: unknown[] = [];
    for (let i = 1; i < list.length; i++) {
      walk.path.push(i);
      walk.warnings.push({
        path: pathOf(walk),
        message: `not in the canonical form (kept for the older form): the header's ${prop.name} is one identifier, the first`,
      });
      more.push(inValue(prop.shape, list[i], walk));
      walk.path.pop();
    }
    walk.path.pop();
    const rest: Obj = {};
    for (const other of Object.keys(wrapper)) {
      if (other === key || wrapper[other] === null) continue;
      walk.path.push(other);
      walk.warnings.push({
        path: pathOf(walk),
        message: `not in the canonical form (kept for the older form): the header's ${prop.name} is an identifier only, not a party`,
      });
      walk.path.pop();
      put(rest, other, wrapper[other]);
    }
    const keep = walk.keep;
    walk.keep = true;
    const party = inObject(legacyModel().party, rest, walk);
    walk.keep = keep;
    if (more.length > 0) party.identifier = more;
    if (Object.keys(party).length > 0) walk.extras.push({ at: pointerOf(walk.at), party });
    return first;
  }
  if (prop.special === 'camel' && Array.isArray(value)) return inNetAnalysis(prop.shape, value, walk);
  return inValue(prop.shape, value, walk);
}

/** The key of the `Identifier` list in a `Sender`/`Receiver` party wrapper, if it is one. */
function wrapperKey(value: unknown): string | undefined {
  if (!isObj(value)) return undefined;
  return Object.keys(value).find((k) => k.toLowerCase() === 'identifier' && Array.isArray(value[k]));
}

/** The property a client's key names: exact spellings first, then any case. */
const propOf = (shape: ObjectShape, key: string): Prop | undefined => shape.byKey.get(key) ?? shape.byLower.get(key.toLowerCase());

/** The first key of `obj` that names the canonical property `name`. */
function clientKeyOf(shape: ObjectShape, obj: Obj, name: string): string | undefined {
  return Object.keys(obj).find((k) => propOf(shape, k)?.name === name);
}

/** Where each canonical `nutrients[k]` comes from in the .NET list `[{Nutrient: [...], Warning}]`. */
interface NetEntry {
  i: number;
  /** index in the item's Nutrient list; null when the item is not of that shape */
  j: number | null;
  nutrientKey: string;
  warningKey: string | undefined;
}

function netEntries(list: unknown[]): NetEntry[] {
  const entries: NetEntry[] = [];
  list.forEach((item, i) => {
    const keys = isObj(item) ? Object.keys(item) : [];
    const nutrientKey = keys.find((k) => k.toLowerCase() === 'nutrient');
    const warningKey = keys.find((k) => k.toLowerCase() === 'warning');
    const nutrients = nutrientKey === undefined ? undefined : (item as Obj)[nutrientKey];
    if (Array.isArray(nutrients) && nutrients.length > 0 && nutrientKey !== undefined) {
      nutrients.forEach((_, j) => entries.push({ i, j, nutrientKey, warningKey }));
    } else {
      entries.push({ i, j: null, nutrientKey: nutrientKey ?? 'Nutrient', warningKey });
    }
  });
  return entries;
}

/** The shapes of a guaranteed-analysis entry and of its nutrient, from the detail's shape. */
function analysisShapes(detail: Shape): { entry: Shape; nutrient: Shape } {
  const nutrients = detail.kind === 'object' ? detail.props.get('nutrients')?.shape : undefined;
  const entry = nutrients?.kind === 'array' ? nutrients.items : { kind: 'scalar' as const };
  const nutrient = entry.kind === 'object' ? entry.props.get('nutrient')?.shape : undefined;
  return { entry, nutrient: nutrient ?? { kind: 'scalar' } };
}

/** .NET `GuaranteedAnalysisDetail: [{Nutrient: [...], Warning}]` → `{nutrients: [{nutrient, warning}]}`. */
function inNetAnalysis(detail: Shape, list: unknown[], walk: Walk): Obj {
  const shapes = analysisShapes(detail);
  const nutrients = netEntries(list).map(({ i, j, nutrientKey, warningKey }) => {
    const item = list[i];
    walk.path.push(i);
    let entry: unknown;
    if (j === null) {
      entry = inValue(shapes.entry, item, walk);
    } else {
      walk.path.push(nutrientKey, j);
      entry = { nutrient: inValue(shapes.nutrient, ((item as Obj)[nutrientKey] as unknown[])[j], walk) };
      walk.path.pop();
      walk.path.pop();
      const warning = warningKey === undefined ? undefined : (item as Obj)[warningKey];
      if (warning !== undefined) (entry as Obj).warning = warning;
    }
    walk.path.pop();
    return entry;
  });
  return { nutrients };
}

// ---- canonical path → client path ----

/** Appends to `out` the client's segments for the canonical `segs[i..]`, walking the client's document. */
function resolve(shape: Shape | null, value: unknown, segs: string[], i: number, camel: boolean, out: string[]): void {
  if (i >= segs.length) return;
  const seg = segs[i]!;
  if (shape?.kind === 'array') {
    out.push(seg);
    resolve(shape.items, Array.isArray(value) ? value[Number(seg)] : undefined, segs, i + 1, camel, out);
    return;
  }
  const prop = shape?.kind === 'object' ? shape.props.get(seg) : undefined;
  if (shape?.kind !== 'object' || prop === undefined) {
    out.push(...segs.slice(i)); // kept as the client sent it
    return;
  }
  const isCamel = camel || prop.special === 'camel';
  const key = (isObj(value) ? clientKeyOf(shape, value, seg) : undefined) ?? missingName(prop, value, isCamel);
  out.push(key);
  const child = isObj(value) ? value[key] : undefined;
  const idKey = prop.special === 'wrapped' ? wrapperKey(child) : undefined;
  if (idKey !== undefined) {
    const list = (child as Obj)[idKey] as unknown[];
    out.push(idKey);
    if (list.length > 0) out.push('0');
    resolve(prop.shape, list[0], segs, i + 1, camel, out);
  } else if (prop.special === 'camel' && Array.isArray(child)) {
    resolveNetAnalysis(prop.shape, child, segs, i + 1, out);
  } else {
    resolve(prop.shape, child, segs, i + 1, isCamel, out);
  }
}

/** The name of a property the client did not send: cased like the client's other keys there. */
function missingName(prop: Prop, container: unknown, camel: boolean): string {
  const sibling = isObj(container) ? Object.keys(container)[0] : undefined;
  const pascal = sibling === undefined ? !camel : /^[A-Z]/.test(sibling);
  return pascal ? prop.legacyName : prop.name;
}

/** `nutrients/k/(nutrient|warning)/...` → `i/Nutrient/j/...` or `i/Warning` in the .NET list. */
function resolveNetAnalysis(detail: Shape, list: unknown[], segs: string[], i: number, out: string[]): void {
  if (i >= segs.length) return;
  if (segs[i] !== 'nutrients') {
    out.push(...segs.slice(i));
    return;
  }
  if (i + 1 >= segs.length) return; // the list itself
  const at = netEntries(list)[Number(segs[i + 1])];
  if (at === undefined) {
    out.push(...segs.slice(i + 1));
    return;
  }
  const item = list[at.i];
  const shapes = analysisShapes(detail);
  out.push(String(at.i));
  if (at.j === null) {
    resolve(shapes.entry, item, segs, i + 2, true, out);
    return;
  }
  const next = segs[i + 2];
  if (next === 'warning') {
    out.push(at.warningKey ?? 'Warning', ...segs.slice(i + 3));
    return;
  }
  out.push(at.nutrientKey, String(at.j));
  if (next === 'nutrient') {
    resolve(shapes.nutrient, ((item as Obj)[at.nutrientKey] as unknown[])[at.j], segs, i + 3, true, out);
  } else {
    out.push(...segs.slice(i + 2));
  }
}

const unescapeSegment = (s: string) => s.replaceAll('~1', '/').replaceAll('~0', '~');

// ---- canonical → older form ----

/** How a document is written: `names`, the `legacy` form (.NET names, its date format and analysis list), else `legacy-numeric`; its extras by `at`. */
interface Out {
  names: boolean;
  extras: ReadonlyMap<string, Extra> | null;
}

/** `path`: the canonical pointer of `value`, followed only when the document has extras (else null). */
function outValue(shape: Shape, value: unknown, camel: boolean, ctx: Out, path: string | null): unknown {
  const names = ctx.names;
  switch (shape.kind) {
    case 'object': {
      if (!isObj(value)) return value;
      const out: Obj = {};
      for (const key of Object.keys(value)) {
        const prop = shape.props.get(key);
        if (prop === undefined) {
          put(out, key, value[key]);
          continue;
        }
        if (names && prop.special === 'camel' && isObj(value[key])) {
          out[prop.legacyName] = outNetAnalysis(prop.shape, value[key] as Obj);
          continue;
        }
        const isCamel = camel || prop.special === 'camel';
        const at = path === null ? null : `${path}/${escapeSegment(key)}`;
        const converted = outValue(prop.shape, value[key], isCamel, ctx, at);
        out[isCamel ? prop.name : names ? prop.netName : prop.legacyName] =
          prop.special === 'wrapped' && isObj(converted) ? outWrapper(converted, ctx, at) : converted;
      }
      const extra = path === null ? undefined : ctx.extras?.get(path);
      if (names && extra && 'values' in extra) for (const [k, v] of Object.entries(extra.values)) put(out, k, v);
      return out;
    }
    case 'array':
      return Array.isArray(value)
        ? value.map((v, i) => outValue(shape.items, v, camel, ctx, path === null ? null : `${path}/${i}`))
        : value;
    case 'code':
      if (typeof value !== 'string') return value;
      return (names ? undefined : shape.list.index.get(value)) ?? shape.list.netName.get(value) ?? value;
    case 'country':
      return typeof value === 'string' ? (ALPHA2.get(value) ?? value) : value;
    case 'flag':
      return value === 'true' ? true : value === 'false' ? false : value;
    case 'dateTime':
      return names && typeof value === 'string' ? netDateTime(value) : value;
    default:
      return value;
  }
}

/** A header's Sender/Receiver: `{Identifier: [the canonical one]}`, with the rest of the party kept at `at`. */
function outWrapper(identifier: Obj, ctx: Out, at: string | null): Obj {
  const extra = at === null ? undefined : ctx.extras?.get(at);
  if (!extra || !('party' in extra)) return { Identifier: [identifier] };
  const rest = outValue(legacyModel().party, extra.party, false, ctx, null) as Obj;
  const more = Array.isArray(rest.Identifier) ? rest.Identifier : [];
  return ctx.names ? { ...rest, Identifier: [identifier, ...more] } : { Identifier: [identifier, ...more] };
}

/** The `legacy` form without extras (guaranteed analysis has none). */
const NET: Out = { names: true, extras: null };

/**
 * `{nutrients: [{nutrient, warning}]}` → the .NET list `[{Nutrient: [...], Warning}]`, PascalCase:
 * consecutive entries with the same warning (or none) share one item, so a list the library
 * wrote comes back as it was written.
 */
function outNetAnalysis(detail: Shape, value: Obj): unknown {
  const { nutrient } = analysisShapes(detail);
  const entries = value.nutrients;
  if (!Array.isArray(entries) || Object.keys(value).some((k) => k !== 'nutrients')) return outValue(detail, value, true, NET, null);
  const items: { Nutrient: unknown[]; Warning?: unknown }[] = [];
  for (const entry of entries) {
    if (!isObj(entry)) return outValue(detail, value, true, NET, null);
    const converted = outValue(nutrient, entry.nutrient, false, NET, null);
    const last = items.at(-1);
    if (last && last.Warning === entry.warning) last.Nutrient.push(converted);
    else items.push({ Nutrient: [converted], ...(entry.warning !== undefined ? { Warning: entry.warning } : {}) });
  }
  return items;
}
