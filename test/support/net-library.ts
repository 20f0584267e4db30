/**
 * The reading and writing rules of AgGateway's .NET library (DispensingWorkMessage 1.1.2,
 * DataContractJsonSerializer with the date format `yyyy-MM-dd'T'HH:mm:ss.fffzzz`), written
 * down from its documented behaviour and checked by hand against the real library; no code of
 * it. Tests use it to prove two things without .NET:
 *  - our fixtures are byte for byte what the library writes (`netSerialize(netParse(bytes)) === bytes`);
 *  - what the hub serves reads under the library's rules without loss (`netView` equal).
 *
 * Rules: members are matched by exact name (case-sensitive); unknown members are ignored
 * (reported here as `ignored`, since that is data lost); code members are strings, which the
 * library turns into its enums with `Enum.TryParse` (exact names, or digits read as positions in
 * its own enums); date-times must match its one format exactly, else the whole batch fails (an
 * error here); Guid members must be GUIDs. Writing: members of a base class first, each class's
 * members in ordinal order of their names, optional members left out when unset, required ones
 * written as null; two-space indentation, CRLF, `": "`, `[ ]` for an empty list, `/` as `\/`.
 */

type Type = 'string' | 'double' | 'int' | 'bool' | 'guid' | 'datetime' | { code: keyof typeof ENUMS } | { list: Type } | { cls: string };

/** A data member: its name, type, and whether it is written when unset (as null). */
type Member = [name: string, type: Type, always: boolean];
interface NetClass {
  base?: string;
  members: Member[];
}

const S = 'string' as const;
const D = 'double' as const;
const I = 'int' as const;
const B = 'bool' as const;
const list = (t: Type): Type => ({ list: t });
const cls = (name: string): Type => ({ cls: name });
const code = (name: keyof typeof ENUMS): Type => ({ code: name });

/** The library's enums, in its order (which is not always the standard's). */
export const ENUMS = {
  AddressTypes: ['Billing', 'Mailing', 'Operational', 'Physical'],
  AgencyTypes: [
    'GS',
    'GLN',
    'GTIN',
    'AssignedBySender',
    'AssignedByReciever',
    'AssignedByOriginator',
    'AssignedBySeller',
    'AssignedByBuyer',
    'AssignedByManufacturer',
    'AssignedByMixer',
    'AGIIS',
    'UN_REC_20',
    'ANSI',
    'Custom',
  ],
  CoordinateTypes: ['Line', 'MultiLine', 'MultiPoint', 'MultiPolygon', 'Point', 'Polygon'],
  DocumentTypes: [
    'ApplicationInstructions',
    'BillOfLading',
    'CustomDocument',
    'Customs',
    'Invoice',
    'Manifest',
    'Order',
    'PurchaseOrder',
    'Waybill',
  ],
  OrderStatuses: ['Cancelled', 'Complete', 'InProgress'],
  PartyTypes: [
    'Beneficial',
    'BillTo',
    'Buyer',
    'Carrier',
    'DeliverTo',
    'Dispenser',
    'DispensingPoint',
    'Driver',
    'Consignee',
    'ConsigneePoint',
    'Farm',
    'Field',
    'Grower',
    'Other',
    'Payer',
    'Seller',
    'ShipTo',
    'ShipToPoint',
    'ThirdParty',
  ],
  PhysicalStates: ['Dry', 'Liquid'],
  ReferenceTypes: [
    'ApplicationInstructions',
    'BillingInstructions',
    'BillOfLading',
    'Crop',
    'Customs',
    'Comment',
    'Farm',
    'Field',
    'Invoice',
    'Manifest',
    'Order',
    'PlatCounty',
    'PlatTownShip',
    'PlatSection',
    'PriorCrop',
    'PurchaseOrder',
    'Release',
    'SalesOrder',
    'Transaction',
    'Waybill',
    'NurseTruck',
    'ApplicationVehicle',
    'ApplicationMethod',
    'ApplicatorName',
    'CertificationNumber',
    'CertificationDate',
    'PesticideLicense',
    'PesticideLicenseDate',
    'PlantFoodPerAcre',
    'TransferHeader',
  ],
  WorkOrderTypes: ['Create', 'Update', 'Cancel', 'Hold'],
  CommentTypes: ['BolComment', 'MixingInstructions', 'ApplicatorNotes'],
} as const;

const VU = cls('ValueUnit');
const ID = cls('Identifier');
const IDS = list(ID);
const PARTY = cls('Party');

/** The library's data contracts (base class, members). */
export const CLASSES: Record<string, NetClass> = {
  DispensingWorkMessage: {
    members: [
      ['Header', cls('Header'), true],
      ['WorkOrderIdentifier', ID, true],
      ['WorkOrderCreationDateTime', 'datetime', true],
      ['Reference', list(cls('Reference')), false],
      ['NumberOfBatches', I, false],
      ['BatchAmount', VU, false],
      ['PhysicalState', code('PhysicalStates'), false],
      ['RequestedArea', VU, false],
      ['RequestedLocation', list(cls('Location')), false],
      ['DispensingStartDateTime', 'datetime', false],
      ['DispensingEndDateTime', 'datetime', false],
      ['OrderLineNumber', I, false],
      ['GroupPhase', S, false],
      ['GroupName', S, false],
      ['GroupDescription', S, false],
      ['Comments', list(cls('Comment')), false],
      ['TransportInformation', list(cls('TransportInformation')), false],
      ['AssociatedDocument', list(cls('AssociatedDocument')), false],
    ],
  },
  DispensingWorkOrder: {
    base: 'DispensingWorkMessage',
    members: [
      ['WorkOrderType', code('WorkOrderTypes'), true],
      ['Parties', cls('Parties'), false],
      ['ProductGroup', list(cls('OrderProductGroup')), true],
    ],
  },
  DispensingWorkRecord: {
    base: 'DispensingWorkMessage',
    members: [
      ['WorkRecordIdentifier', ID, true],
      ['WorkRecordCreationDateTime', 'datetime', true],
      ['BatchNumber', I, false],
      ['ActualArea', VU, false],
      ['ActualLocation', list(cls('Location')), false],
      ['OrderStatus', code('OrderStatuses'), false],
      ['Parties', cls('RecordParties'), false],
      ['ProductGroup', list(cls('RecordProductGroup')), true],
    ],
  },
  Header: {
    members: [
      ['Sender', PARTY, true],
      ['Receiver', PARTY, true],
      ['ThisDocumentIdentifier', 'guid', true],
      ['CorrelationIdentifier', 'guid', false],
      ['CreationDateTime', 'datetime', true],
    ],
  },
  Identifier: {
    members: [
      ['Name', S, false],
      ['Description', S, false],
      ['Number', S, true],
      ['Id', S, false],
      ['Agency', code('AgencyTypes'), true],
    ],
  },
  Party: {
    members: [
      ['Identifier', IDS, true],
      ['PartyType', code('PartyTypes'), false],
      ['Address', list(cls('Address')), false],
      ['Location', list(cls('Location')), false],
      ['Contact', list(cls('Contact')), false],
      ['Iamge', list(cls('Image')), false],
    ],
  },
  Parties: {
    members: [
      ['Seller', PARTY, false],
      ['Buyer', PARTY, false],
      ['ShipTo', PARTY, false],
      ['DeliverTo', PARTY, false],
      ['OtherParty', list(PARTY), false],
    ],
  },
  RecordParties: {
    base: 'Parties',
    members: [
      ['DispensingPoint', list(PARTY), false],
      ['Carrier', PARTY, false],
      ['Driver', PARTY, false],
    ],
  },
  Address: {
    members: [
      ['AddressType', code('AddressTypes'), false],
      ['AddressLine', list(S), false],
      ['CityName', S, false],
      ['Region', S, false],
      ['County', S, false],
      ['Township', S, false],
      ['PostalCode', S, false],
      ['CountryCode', S, false],
    ],
  },
  Image: {
    members: [
      ['Descrpition', S, true],
      ['Base64Image', S, false],
      ['FileName', S, false],
    ],
  },
  GuaranteedAnalysisDetail: {
    members: [
      ['Nutrient', list(cls('Nutrient')), true],
      ['Warning', S, false],
    ],
  },
  Nutrient: {
    members: [
      ['Abbreviation', S, true],
      ['NutrientDescription', S, false],
      ['Percentage', D, true],
      ['MinPercentage', D, false],
      ['MaxPercentage', D, false],
      ['NutrientSources', list(cls('NutrientSource')), false],
    ],
  },
  NutrientSource: {
    members: [
      ['SourceDescription', S, false],
      ['Percentage', D, false],
    ],
  },
  AssociatedDocument: {
    members: [
      ['Identifier', IDS, true],
      ['Extension', S, true],
      ['File', S, false],
      ['FileName', S, false],
      ['DocumentType', code('DocumentTypes'), true],
    ],
  },
  Comment: {
    members: [
      ['Identifier', IDS, false],
      ['CommentType', code('CommentTypes'), true],
      ['Comment', S, true],
    ],
  },
  Contact: {
    members: [
      ['Name', S, true],
      ['Phone', S, false],
      ['Email', S, false],
    ],
  },
  Container: {
    members: [
      ['Identifier', IDS, true],
      ['Capacity', VU, true],
      ['RequestedQuantity', VU, false],
    ],
  },
  RecordContainer: {
    base: 'Container',
    members: [
      ['ActualQuantity', VU, false],
      ['LotIdentifier', ID, false],
      ['IsEmpty', B, false],
      ['IsClean', B, false],
    ],
  },
  Coordinates: {
    members: [
      ['CoordinateType', code('CoordinateTypes'), true],
      ['Point', list(cls('Point')), true],
    ],
  },
  Location: {
    members: [
      ['InclusionCoordinates', list(cls('Coordinates')), true],
      ['ExclusionCoordinates', list(cls('Coordinates')), false],
    ],
  },
  Point: {
    members: [
      ['Lat', D, true],
      ['Lon', D, true],
    ],
  },
  Product: {
    members: [
      ['Identifier', IDS, true],
      ['MixSequence', I, false],
      ['IsCarrier', B, false],
      ['PhysicalState', code('PhysicalStates'), false],
      ['Density', VU, false],
      ['RequestedQuantity', VU, true],
      ['Crop', S, false],
      ['Dot', S, false],
      ['Epa', S, false],
      ['Permit', S, false],
      ['PreviousCrop', S, false],
    ],
  },
  OrderProduct: { base: 'Product', members: [['SourceContainer', list(cls('Container')), false]] },
  RecordProduct: {
    base: 'Product',
    members: [
      ['ActualQuantity', VU, true],
      ['SourceContainer', list(cls('RecordContainer')), false],
    ],
  },
  ProductGroup: {
    members: [
      ['Identifier', IDS, false],
      ['Formulation', S, false],
      ['GuaranteedAnalysis', S, false],
      ['GuaranteedAnalysisDetail', list(cls('GuaranteedAnalysisDetail')), false],
      ['Version', S, false],
      ['WeighupType', S, false],
      ['UpdateFormulaDefinition', B, false],
      ['Density', VU, false],
    ],
  },
  OrderProductGroup: {
    base: 'ProductGroup',
    members: [
      ['DestinationContainer', list(cls('Container')), false],
      ['Product', list(cls('OrderProduct')), true],
    ],
  },
  RecordProductGroup: {
    base: 'ProductGroup',
    members: [
      ['ActualQuantity', VU, false],
      ['DestinationContainer', list(cls('RecordContainer')), false],
      ['Product', list(cls('RecordProduct')), true],
    ],
  },
  Reference: {
    members: [
      ['ReferenceType', code('ReferenceTypes'), true],
      ['Value', S, true],
    ],
  },
  TransportInformation: {
    members: [
      ['Identifier', IDS, true],
      ['GrossWeight', VU, true],
      ['TareWeight', VU, true],
    ],
  },
  ValueUnit: {
    members: [
      ['Value', D, true],
      ['Uom', S, true],
      ['Agency', code('AgencyTypes'), true],
    ],
  },
};

export type NetKind = 'DispensingWorkOrder' | 'DispensingWorkRecord';

/** Members in the serializer's order: base class first, then each class's by ordinal name. */
function membersOf(name: string): Member[] {
  const c = CLASSES[name];
  if (!c) throw new Error(`no class ${name}`);
  const own = [...c.members].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [...(c.base ? membersOf(c.base) : []), ...own];
}

/** The library's reading failed: it returns null for the whole batch. */
export class NetReadError extends Error {}

const DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/**
 * Reads JSON text as the library does: the documents as it holds them (known members only,
 * code members as the strings it stores), and the paths of members it ignored.
 * @throws NetReadError where the library throws (a date or Guid it cannot read, a wrong type).
 */
export function netParse(kind: NetKind, text: string): { documents: unknown[]; ignored: string[] } {
  const ignored: string[] = [];
  const json: unknown = JSON.parse(text);
  if (!Array.isArray(json)) throw new NetReadError('the top level is not an array');
  const documents = json.map((doc, i) => readValue({ cls: kind }, doc, `/${i}`, ignored));
  return { documents, ignored };
}

function readValue(type: Type, value: unknown, path: string, ignored: string[]): unknown {
  if (value === null || value === undefined) return null;
  const fail = (what: string) => new NetReadError(`${path}: ${what} (${JSON.stringify(value)})`);
  if (typeof type === 'object' && 'list' in type) {
    if (!Array.isArray(value)) throw fail('not a list');
    return value.map((v, i) => readValue(type.list, v, `${path}/${i}`, ignored));
  }
  if (typeof type === 'object' && 'cls' in type) {
    if (typeof value !== 'object' || Array.isArray(value)) throw fail('not an object');
    const members = new Map(membersOf(type.cls).map((m) => [m[0], m] as const));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const m = members.get(key);
      if (!m) ignored.push(`${path}/${key}`);
      else out[key] = readValue(m[1], v, `${path}/${key}`, ignored);
    }
    return out;
  }
  if (typeof type === 'object' || type === 'string') {
    // A string member takes a JSON string, or a number's text (how it reads the samples' integers).
    if (typeof value === 'string') return value;
    if (typeof value === 'number') return String(value);
    throw fail('not a string');
  }
  switch (type) {
    case 'double':
    case 'int':
      if (typeof value !== 'number' || (type === 'int' && !Number.isInteger(value))) throw fail(`not a ${type}`);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw fail('not a boolean');
      return value;
    case 'guid':
      if (typeof value !== 'string' || !GUID.test(value)) throw fail('not a Guid');
      return value;
    case 'datetime':
      if (typeof value !== 'string' || !DATE.test(value)) throw fail("not yyyy-MM-dd'T'HH:mm:ss.fffzzz");
      return value;
  }
}

/**
 * What the library's objects mean, for comparing two readings: code members through
 * `Enum.TryParse` (its enum name, or null where it finds none), date-times as instants
 * (the library converts them to the machine's zone), everything else as read.
 */
export function netView(kind: NetKind, documents: unknown[]): unknown[] {
  return documents.map((d) => viewValue({ cls: kind }, d));
}

function viewValue(type: Type, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof type === 'object' && 'list' in type) return (value as unknown[]).map((v) => viewValue(type.list, v));
  if (typeof type === 'object' && 'cls' in type) {
    const out: Record<string, unknown> = {};
    for (const [name, t] of membersOf(type.cls))
      if (name in (value as object)) out[name] = viewValue(t, (value as Record<string, unknown>)[name]);
    return out;
  }
  if (typeof type === 'object' && 'code' in type) return tryParseEnum(ENUMS[type.code], value as string);
  if (type === 'datetime') return new Date(value as string).toISOString();
  if (type === 'guid') return (value as string).toLowerCase();
  return value;
}

/** `Enum.TryParse(text, out value)` (case-sensitive): a name, or digits as a position in the enum. */
export function tryParseEnum(names: readonly string[], text: string): string | null {
  const trimmed = text.trim();
  if (names.includes(trimmed)) return trimmed;
  if (/^[+-]?\d+$/.test(trimmed)) return names[Number(trimmed)] ?? `(undefined ${trimmed})`;
  return null;
}

/** Writes documents as the library's serializer does (the exact bytes). */
export function netSerialize(kind: NetKind, documents: unknown[]): string {
  return writeValue(list({ cls: kind }), documents, 0);
}

const INDENT = '  ';
const NL = '\r\n';

function writeValue(type: Type, value: unknown, depth: number): string {
  if (value === null || value === undefined) return 'null';
  const pad = (n: number) => INDENT.repeat(n);
  if (typeof type === 'object' && 'list' in type) {
    const items = value as unknown[];
    if (items.length === 0) return '[ ]';
    return `[${NL}${items.map((v) => pad(depth + 1) + writeValue(type.list, v, depth + 1)).join(`,${NL}`)}${NL}${pad(depth)}]`;
  }
  if (typeof type === 'object' && 'cls' in type) {
    const obj = value as Record<string, unknown>;
    const parts: string[] = [];
    for (const [name, t, always] of membersOf(type.cls)) {
      const v = obj[name];
      if ((v === null || v === undefined) && !always) continue;
      parts.push(`${pad(depth + 1)}${quote(name)}: ${writeValue(t, v, depth + 1)}`);
    }
    return `{${NL}${parts.join(`,${NL}`)}${NL}${pad(depth)}}`;
  }
  if (type === 'double' || type === 'int' || type === 'bool') return String(value);
  return quote(String(value));
}

/** A JSON string as the serializer escapes it: `"`, `\`, `/`, controls, U+0085, U+2028/9 and surrogates. */
function quote(text: string): string {
  let out = '"';
  for (const ch of text) {
    for (let i = 0; i < ch.length; i++) {
      const c = ch.charCodeAt(i);
      const short: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 34: '\\"', 47: '\\/', 92: '\\\\' };
      if (short[c]) out += short[c];
      else if (c < 0x20 || c === 0x85 || c === 0x2028 || c === 0x2029 || (c >= 0xd800 && c <= 0xdfff) || c >= 0xfffe) {
        out += `\\u${c.toString(16).padStart(4, '0')}`;
      } else out += ch[i];
    }
  }
  return `${out}"`;
}
