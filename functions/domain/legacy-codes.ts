/**
 * The model behind the older ("legacy") document form, derived from the canonical JSON
 * Schemas, which stay the single source of truth:
 *  - which property holds which code list, and the lists themselves in the standard's
 *    order (the 0-based index of a value is its legacy integer code);
 *  - which properties are flags (legacy: JSON booleans) and countries (legacy: alpha-2);
 *  - every property's legacy name: the capitalised canonical name unless RENAMES says otherwise.
 * The few things the schema cannot say (renames, wrappers, aliases, .NET spellings) are the
 * small tables below; building the model (on first use, `legacyModel()`) checks each entry
 * against the schema, so a table that drifts from the schema fails there (and in the unit
 * tests), never silently.
 * Pure: the schemas are imported as JSON modules (bundled), no I/O.
 */

import acknowledgementSchema from '../../schemas/acknowledge-work-order-receipt.schema.json' with { type: 'json' };
import common from '../../schemas/common.schema.json' with { type: 'json' };
import workOrderSchema from '../../schemas/dispensing-work-order.schema.json' with { type: 'json' };
import workRecordSchema from '../../schemas/dispensing-work-record.schema.json' with { type: 'json' };
import { COUNTRY_ALPHA2 } from './countries.ts';

export { COUNTRY_ALPHA2 };

export type DocumentKind = 'workOrder' | 'workRecord' | 'acknowledgement';

/** Property names whose legacy form is not the capitalised canonical name (`Title.property` → legacy). */
export const RENAMES: Readonly<Record<string, string>> = {
  'OrderParties.other': 'OtherParty',
  'RecordParties.other': 'OtherParty',
  'DispensingWorkOrder.transportationInformation': 'TransportInformation',
  'DispensingWorkRecord.transportationInformation': 'TransportInformation',
  // .NET DataContract member `Image.FileName`; the schema spells it `filename`.
  'Image.filename': 'FileName',
};

/** Extra names accepted on input (the .NET library's typos). */
export const INPUT_ALIASES: Readonly<Record<string, readonly string[]>> = {
  'Party.image': ['Iamge'],
  'Image.description': ['Descrpition'],
};

/**
 * Names the .NET library spells its own way: the `legacy` form writes them so, since the
 * library reads nothing else (`legacy-numeric`, the samples' form, keeps the standard's spelling).
 */
export const NET_SPELLINGS: Readonly<Record<string, string>> = {
  'Party.image': 'Iamge',
  'Image.description': 'Descrpition',
};

/**
 * Legacy properties with no place in the canonical form: the .NET `Address` has County and
 * Township, the standard has neither. Taken out of the canonical document (not rejected: an
 * otherwise valid order must not fail over an address detail), named in the answer's
 * `warnings`, and kept with the document as its extras (legacy-form.ts), which the `legacy`
 * form serves back.
 */
export const DROPPED_ON_INPUT: Readonly<Record<string, readonly string[]>> = {
  Address: ['County', 'Township'],
};

/** Identifiers the older form wraps as a party: `Sender: {"Identifier": [ {...} ]}`. */
export const WRAPPED_IDENTIFIERS: readonly string[] = ['Header.sender', 'Header.receiver'];

/**
 * Subtrees the older form keeps camelCase (the standard's samples write
 * `guaranteedAnalysisDetail` and everything under it camelCase inside PascalCase documents).
 * On input the .NET shape (a list of `{Nutrient: [...], Warning}`) is accepted here too.
 */
export const CAMEL_SUBTREES: readonly string[] = [
  'OrderProductGroup.guaranteedAnalysisDetail',
  'RecordProductGroup.guaranteedAnalysisDetail',
];

/**
 * Code names accepted on input besides the canonical values and their .NET names (matched
 * case-insensitively). Empty today: every name the .NET library writes is its NET_NAMES entry.
 */
export const CODE_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {};

/**
 * The .NET library's enum name of a canonical value, where it is not the value with its first
 * letter capitalised (`dry` → `Dry`, `inProgress` → `InProgress`, `BillOfLading` as it is).
 * .NET `AgencyTypes` calls index 0 `GS` where the standard says `GS1`: same code, same meaning.
 * The older form (`legacy`) serves these names; they are accepted on input as well.
 */
export const NET_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  agency: { GS1: 'GS' },
};

/**
 * How many values of a list are the standard's own: the hub appends values after them
 * (the .NET library's reference types and order status `cancelled`, every ISO 3166-1 country)
 * that have no integer code in the standard. Lists not named here are entirely the standard's.
 */
export const STANDARD_LENGTH: Readonly<Record<string, number>> = { referenceType: 13, orderStatus: 2, country: 3 };

/** Work records in the older form carry no orderStatus (see legacy-form.ts); this is the default. */
export const DEFAULT_ORDER_STATUS = 'complete';

/** A code list in the standard's order. */
export interface CodeList {
  /** The definition name in common.schema.json, e.g. `physicalState`. */
  readonly name: string;
  readonly values: readonly string[];
  /** canonical value → legacy integer (the standard's values only; the hub's additions have none) */
  readonly index: ReadonlyMap<string, number>;
  /** How many leading values are the standard's (the ones with an integer code). */
  readonly standardLength: number;
  /** canonical value → the .NET library's enum name */
  readonly netName: ReadonlyMap<string, string>;
  /** lower-cased canonical value or alias → canonical value */
  readonly byLower: ReadonlyMap<string, string>;
}

export interface ObjectShape {
  readonly kind: 'object';
  readonly title: string;
  /** canonical name → property */
  readonly props: Map<string, Prop>;
  /** canonical name, legacy name or alias, exactly as spelled → property (the fast path) */
  readonly byKey: Map<string, Prop>;
  /** lower-cased canonical name, legacy name or alias → property */
  readonly byLower: Map<string, Prop>;
  /** lower-cased legacy name → the name as DROPPED_ON_INPUT spells it (no place in the canonical form) */
  readonly dropped: Map<string, string>;
}
export type Shape =
  | ObjectShape
  | { readonly kind: 'array'; readonly items: Shape }
  | { readonly kind: 'code'; readonly list: CodeList }
  | { readonly kind: 'country'; readonly list: CodeList }
  | { readonly kind: 'flag' }
  | { readonly kind: 'dateTime' }
  | { readonly kind: 'scalar' };

export interface Prop {
  readonly name: string;
  readonly legacyName: string;
  /** The name in the .NET library (the `legacy` form): legacyName but for its typos. */
  readonly netName: string;
  readonly shape: Shape;
  readonly special: 'wrapped' | 'camel' | null;
}

type SchemaNode = {
  $ref?: string;
  title?: string;
  type?: string;
  enum?: unknown[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
};
type SchemaFile = { definitions?: Record<string, SchemaNode> } & SchemaNode;

const COMMON = 'common.schema.json';
const definitions = (common as unknown as SchemaFile).definitions ?? {};
const SCALAR: Shape = { kind: 'scalar' };
const FLAG: Shape = { kind: 'flag' };
const DATE_TIME: Shape = { kind: 'dateTime' };
const built = new Map<string, Shape>();
const used = new Set<string>();
/** Every code list of the schema, by definition name (filled by legacyModel()). */
const CODE_LISTS = new Map<string, CodeList>();

function codeList(name: string, values: readonly string[]): CodeList {
  const standardLength = STANDARD_LENGTH[name] ?? values.length;
  if (STANDARD_LENGTH[name] !== undefined) used.add(`standard:${name}`);
  const index = new Map(values.slice(0, standardLength).map((v, i) => [v, i] as const));
  const overrides = NET_NAMES[name] ?? {};
  for (const v of Object.keys(overrides)) {
    if (!values.includes(v)) throw new Error(`legacy model: NET_NAMES ${name}.${v} is not a ${name} code`);
    used.add(`net:${name}.${v}`);
  }
  const netName = new Map(values.map((v) => [v, overrides[v] ?? v.charAt(0).toUpperCase() + v.slice(1)] as const));
  const byLower = new Map<string, string>();
  const add = (alias: string, value: string) => {
    const key = alias.toLowerCase();
    const had = byLower.get(key);
    if (had !== undefined && had !== value) throw new Error(`legacy model: ${name} has two values spelled ${alias}`);
    byLower.set(key, value);
  };
  for (const v of values) add(v, v);
  if (name !== 'country') for (const [v, net] of netName) add(net, v);
  for (const [alias, value] of Object.entries(CODE_ALIASES[name] ?? {})) {
    if (!index.has(value)) throw new Error(`legacy model: alias ${alias} → ${value} is not a ${name} code`);
    add(alias, value);
    used.add(`code:${name}.${alias}`);
  }
  return { name, values, index, standardLength, netName, byLower };
}

function definitionShape(name: string): Shape {
  const done = built.get(name);
  if (done) return done;
  const node = definitions[name];
  if (!node) throw new Error(`legacy model: no definition ${name} in ${COMMON}`);
  if (node.enum && node.type === 'string') {
    const list = codeList(name, node.enum as string[]);
    CODE_LISTS.set(name, list);
    let shape: Shape = { kind: 'code', list };
    if (name === 'country') {
      const keys = Object.keys(COUNTRY_ALPHA2);
      if (keys.length !== list.values.length || !list.values.every((v, i) => keys[i] === v)) {
        throw new Error('legacy model: COUNTRY_ALPHA2 is not the schema country list, in its order');
      }
      shape = { kind: 'country', list };
    }
    built.set(name, shape);
    return shape;
  }
  if (name === 'dateTime') {
    built.set(name, DATE_TIME);
    return DATE_TIME;
  }
  if (node.enum?.includes(true) && node.enum.includes('true')) {
    built.set(name, FLAG);
    return FLAG;
  }
  return shapeOf(node, true, name);
}

function shapeOf(node: SchemaNode, inCommon: boolean, definition?: string): Shape {
  if (node.$ref !== undefined) {
    const m = /^(common\.schema\.json)?#\/definitions\/([A-Za-z0-9_]+)$/.exec(node.$ref);
    if (!m || (!m[1] && !inCommon)) throw new Error(`legacy model: unsupported $ref ${node.$ref}`);
    return definitionShape(m[2]!);
  }
  if (node.type === 'array' && node.items) return { kind: 'array', items: shapeOf(node.items, inCommon) };
  if (node.type === 'object' && node.properties) {
    const title = node.title ?? definition ?? '?';
    const shape: ObjectShape = { kind: 'object', title, props: new Map(), byKey: new Map(), byLower: new Map(), dropped: new Map() };
    if (definition) built.set(definition, shape);
    for (const [name, child] of Object.entries(node.properties)) {
      const id = `${title}.${name}`;
      const legacyName = RENAMES[id] ?? name.charAt(0).toUpperCase() + name.slice(1);
      if (RENAMES[id]) used.add(`rename:${id}`);
      const special = WRAPPED_IDENTIFIERS.includes(id) ? 'wrapped' : CAMEL_SUBTREES.includes(id) ? 'camel' : null;
      if (special) used.add(`${special}:${id}`);
      const netName = NET_SPELLINGS[id] ?? legacyName;
      if (NET_SPELLINGS[id]) used.add(`spelling:${id}`);
      const prop: Prop = { name, legacyName, netName, shape: shapeOf(child, inCommon), special };
      shape.props.set(name, prop);
      const aliases = INPUT_ALIASES[id] ?? [];
      if (aliases.length) used.add(`alias:${id}`);
      for (const key of [name, legacyName, ...aliases]) {
        const had = shape.byLower.get(key.toLowerCase());
        if (had && had !== prop) throw new Error(`legacy model: ${title}.${key} is ambiguous`);
        shape.byLower.set(key.toLowerCase(), prop);
        shape.byKey.set(key, prop);
      }
    }
    for (const dropped of DROPPED_ON_INPUT[title] ?? []) {
      if (shape.byLower.has(dropped.toLowerCase())) throw new Error(`legacy model: ${title}.${dropped} is in the schema`);
      shape.dropped.set(dropped.toLowerCase(), dropped);
      used.add(`drop:${title}`);
    }
    return shape;
  }
  return SCALAR;
}

export interface LegacyModel {
  /** The root shape of each document kind. */
  shapes: Readonly<Record<DocumentKind, ObjectShape>>;
  /** Every code list of the schema, by definition name. */
  codeLists: ReadonlyMap<string, CodeList>;
  /** The canonical Party (common.schema.json `party`): how the rest of a header's Sender/Receiver is read and kept. */
  party: ObjectShape;
}

let model: LegacyModel | undefined;

/**
 * The model, built from the schemas on first use and kept: a function whose requests are all
 * canonical never pays for it at cold init. Building checks every table entry against the
 * schemas and throws on drift (the unit tests build it).
 */
export function legacyModel(): LegacyModel {
  model ??= buildModel();
  return model;
}

function buildModel(): LegacyModel {
  const shapes = {
    workOrder: shapeOf(workOrderSchema as unknown as SchemaNode, false) as ObjectShape,
    workRecord: shapeOf(workRecordSchema as unknown as SchemaNode, false) as ObjectShape,
    acknowledgement: shapeOf(acknowledgementSchema as unknown as SchemaNode, false) as ObjectShape,
  };
  // Code lists no document uses are still part of the standard's tables (and tested).
  for (const [name, node] of Object.entries(definitions)) if (node.enum && node.type === 'string') definitionShape(name);

  // Every table entry must have matched the schema: a renamed or removed property fails here.
  const expected = [
    ...Object.keys(RENAMES).map((id) => `rename:${id}`),
    ...Object.keys(INPUT_ALIASES).map((id) => `alias:${id}`),
    ...Object.keys(NET_SPELLINGS).map((id) => `spelling:${id}`),
    ...WRAPPED_IDENTIFIERS.map((id) => `wrapped:${id}`),
    ...CAMEL_SUBTREES.map((id) => `camel:${id}`),
    ...Object.keys(DROPPED_ON_INPUT).map((title) => `drop:${title}`),
    ...Object.entries(CODE_ALIASES).flatMap(([list, m]) => Object.keys(m).map((a) => `code:${list}.${a}`)),
    ...Object.entries(NET_NAMES).flatMap(([list, m]) => Object.keys(m).map((v) => `net:${list}.${v}`)),
    ...Object.keys(STANDARD_LENGTH).map((list) => `standard:${list}`),
  ];
  const unmatched = expected.filter((e) => !used.has(e));
  if (unmatched.length > 0) throw new Error(`legacy model: table entries match nothing in the schemas: ${unmatched.join(', ')}`);
  const orderStatus = CODE_LISTS.get('orderStatus');
  if (!orderStatus?.index.has(DEFAULT_ORDER_STATUS)) throw new Error('legacy model: DEFAULT_ORDER_STATUS is not an orderStatus code');
  return { shapes, codeLists: CODE_LISTS, party: definitionShape('party') as ObjectShape };
}
