import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { HubError } from '../../functions/domain/errors.ts';
import { COUNTRY_ALPHA2, legacyModel } from '../../functions/domain/legacy-codes.ts';
import { type DocumentKind, fromLegacy, isLegacyDocument, toLegacy } from '../../functions/domain/legacy-form.ts';
import {
  validateAcknowledgement,
  validateWorkOrder,
  validateWorkOrderRequest,
  validateWorkRecord,
} from '../../functions/generated/validators.cjs';
import acknowledgementSchema from '../../schemas/acknowledge-work-order-receipt.schema.json' with { type: 'json' };
import common from '../../schemas/common.schema.json' with { type: 'json' };
import workOrderSchema from '../../schemas/dispensing-work-order.schema.json' with { type: 'json' };
import workRecordSchema from '../../schemas/dispensing-work-record.schema.json' with { type: 'json' };
import acknowledgement from '../fixtures/canonical/acknowledgement.json' with { type: 'json' };
import orderBlended from '../fixtures/canonical/work-order-blended.json' with { type: 'json' };
import orderSingle from '../fixtures/canonical/work-order-single.json' with { type: 'json' };
import orderVrt from '../fixtures/canonical/work-order-vrt.json' with { type: 'json' };
import recordBlended from '../fixtures/canonical/work-record-blended.json' with { type: 'json' };
import recordSingle from '../fixtures/canonical/work-record-single.json' with { type: 'json' };
import recordVrt from '../fixtures/canonical/work-record-vrt.json' with { type: 'json' };
import legacyAcknowledgement from '../fixtures/legacy/acknowledgement.json' with { type: 'json' };
import legacyOrderBlended from '../fixtures/legacy/work-order-blended.json' with { type: 'json' };
import legacyOrderSingle from '../fixtures/legacy/work-order-single.json' with { type: 'json' };
import legacyOrderVrt from '../fixtures/legacy/work-order-vrt.json' with { type: 'json' };
import legacyRecordBlended from '../fixtures/legacy/work-record-blended.json' with { type: 'json' };
import legacyRecordSingle from '../fixtures/legacy/work-record-single.json' with { type: 'json' };
import legacyRecordVrt from '../fixtures/legacy/work-record-vrt.json' with { type: 'json' };

type Obj = Record<string, unknown>;
type Validator = { (doc: unknown): boolean; errors?: { instancePath: string }[] | null };
const VALIDATE: Record<DocumentKind, Validator> = {
  workOrder: validateWorkOrder as Validator,
  workRecord: validateWorkRecord as Validator,
  acknowledgement: validateAcknowledgement as Validator,
};
const clone = <T>(x: T): T => structuredClone(x);

/** Canonical fixtures are single documents; legacy fixtures are bare arrays of one document, like the standard's sample files. */
const CASES: { name: string; kind: DocumentKind; canonical: unknown; legacy: unknown[] }[] = [
  { name: 'work-order-blended', kind: 'workOrder', canonical: orderBlended, legacy: legacyOrderBlended },
  { name: 'work-order-single', kind: 'workOrder', canonical: orderSingle, legacy: legacyOrderSingle },
  { name: 'work-order-vrt', kind: 'workOrder', canonical: orderVrt, legacy: legacyOrderVrt },
  { name: 'work-record-blended', kind: 'workRecord', canonical: recordBlended, legacy: legacyRecordBlended },
  { name: 'work-record-single', kind: 'workRecord', canonical: recordSingle, legacy: legacyRecordSingle },
  { name: 'work-record-vrt', kind: 'workRecord', canonical: recordVrt, legacy: legacyRecordVrt },
  { name: 'acknowledgement', kind: 'acknowledgement', canonical: acknowledgement, legacy: legacyAcknowledgement },
];

function valid(kind: DocumentKind, doc: unknown): void {
  const validate = VALIDATE[kind];
  assert.ok(validate(doc), JSON.stringify(validate.errors));
}

function rejected(fn: () => unknown): HubError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof HubError, String(e));
    assert.equal(e.kind, 'invalid-input');
    return e;
  }
  assert.fail('the document was accepted');
}

const convert = (kind: DocumentKind, doc: unknown, pointer = '') => fromLegacy(kind, doc, pointer).document as Obj;

describe('code lists', () => {
  test('are the enums of common.schema.json, value for value and in order', () => {
    const defs = (common as unknown as { definitions: Record<string, { type?: string; enum?: unknown[] }> }).definitions;
    const enums = Object.entries(defs).filter(([, d]) => d.type === 'string' && d.enum);

    assert.equal(legacyModel().codeLists.size, enums.length);
    for (const [name, d] of enums) assert.deepEqual(legacyModel().codeLists.get(name)?.values, d.enum, name);
  });

  test("decode the integers of the standard's samples as the standard orders them (not as the .NET Codes.cs does)", () => {
    const at = (list: string, i: number) => legacyModel().codeLists.get(list)?.values[i];

    assert.equal(at('agency', 0), 'GS1');
    assert.equal(at('agency', 5), 'AssignedByOriginator');
    assert.equal(at('agency', 11), 'UN_REC_20');
    assert.equal(at('physicalState', 1), 'liquid');
    assert.equal(at('workType', 0), 'create');
    assert.equal(at('addressType', 2), 'operational');
    assert.equal(at('referenceType', 4), 'Comment');
    assert.equal(at('referenceType', 8), 'PurchaseOrder');
    assert.equal(at('orderStatus', 0), 'complete');
    assert.equal(at('orderStatus', 1), 'inProgress');
  });

  test('map every country of the schema (every ISO 3166-1 country, the standard three first) to an alpha-2 code', () => {
    const countries = legacyModel().codeLists.get('country')?.values ?? [];
    assert.deepEqual(Object.keys(COUNTRY_ALPHA2), [...countries]);
    assert.deepEqual(countries.slice(0, 3), ['USA', 'CAN', 'MEX']);
    assert.equal(countries.length, 249);
    assert.equal(new Set(Object.values(COUNTRY_ALPHA2)).size, 249);
    for (const [a3, a2] of Object.entries(COUNTRY_ALPHA2)) assert.match(`${a3}:${a2}`, /^[A-Z]{3}:[A-Z]{2}$/);
    assert.equal(COUNTRY_ALPHA2.DEU, 'DE');
    assert.equal(COUNTRY_ALPHA2.GBR, 'GB');
  });
});

/** The property-name tree of a document (arrays are transparent; a leaf is 1). */
type KeyTree = { [key: string]: KeyTree | 1 };
function keyTree(value: unknown): KeyTree | 1 {
  if (Array.isArray(value)) {
    const merged: KeyTree = {};
    for (const item of value) {
      const t = keyTree(item);
      if (t !== 1) mergeInto(merged, t);
    }
    return Object.keys(merged).length > 0 ? merged : 1;
  }
  if (typeof value !== 'object' || value === null) return 1;
  const tree: KeyTree = {};
  for (const [k, v] of Object.entries(value)) tree[k] = keyTree(v);
  return tree;
}
function mergeInto(into: KeyTree, from: KeyTree): void {
  for (const [k, v] of Object.entries(from)) {
    const had = into[k];
    if (had !== undefined && had !== 1 && v !== 1) mergeInto(had, v);
    else if (had === undefined || had === 1) into[k] = v;
  }
}

// The key shape observed in the standard's six sample files (names only, no content).
const IDS: KeyTree = { Agency: 1, Name: 1, Number: 1 };
const QTY: KeyTree = { Agency: 1, Uom: 1, Value: 1 };
const ADDRESS: KeyTree = { AddressLine: 1, AddressType: 1, CityName: 1, CountryCode: 1, PostalCode: 1, Region: 1 };
const FULL_PARTY: KeyTree = { Address: ADDRESS, Contact: { Email: 1, Name: 1, Phone: 1 }, Identifier: IDS };
const SAMPLE_COMMON: KeyTree = {
  Header: { CreationDateTime: 1, Receiver: { Identifier: IDS }, Sender: { Identifier: IDS }, ThisDocumentIdentifier: 1 },
  PhysicalState: 1,
  Reference: { ReferenceType: 1, Value: 1 },
  RequestedArea: QTY,
  WorkOrderCreationDateTime: 1,
  WorkOrderIdentifier: { Agency: 1, Number: 1 },
};
const ORDER_PRODUCT: KeyTree = { Density: QTY, Identifier: IDS, IsCarrier: 1, PhysicalState: 1, RequestedQuantity: QTY };
const sampleOrder = (detail: KeyTree | null): KeyTree => ({
  ...SAMPLE_COMMON,
  Parties: { Buyer: FULL_PARTY, DeliverTo: FULL_PARTY, OtherParty: { Identifier: IDS }, ShipTo: FULL_PARTY },
  ProductGroup: { GuaranteedAnalysis: 1, ...(detail ? { guaranteedAnalysisDetail: detail } : {}), Identifier: IDS, Product: ORDER_PRODUCT },
  WorkOrderType: 1,
});
const sampleRecord = (detail: KeyTree | null): KeyTree => ({
  ...SAMPLE_COMMON,
  TransportInformation: { GrossWeight: QTY, Identifier: IDS, TareWeight: QTY },
  ActualArea: QTY,
  BatchNumber: 1,
  Parties: { OtherParty: FULL_PARTY, ShipTo: FULL_PARTY, Driver: { Identifier: IDS } },
  ProductGroup: {
    GuaranteedAnalysis: 1,
    ...(detail ? { guaranteedAnalysisDetail: detail } : {}),
    Identifier: IDS,
    Product: { ...ORDER_PRODUCT, ActualQuantity: QTY },
  },
  WorkRecordCreationDateTime: 1,
  WorkRecordIdentifier: { Agency: 1, Number: 1 },
});
const COORDINATES: KeyTree = { CoordinateType: 1, Point: { Lat: 1, Lon: 1 } };
const FIELD: KeyTree = { InclusionCoordinates: COORDINATES, ExclusionCoordinates: COORDINATES };
/** Ours adds to the samples: the field boundary of the variable-rate case, and orderStatus (required, absent from the samples). */
const EXPECTED_SHAPE: Record<string, KeyTree> = {
  'work-order-blended': sampleOrder({ nutrients: { nutrient: { abbreviation: 1, nutrientDescription: 1, percentage: 1 } } }),
  'work-order-single': sampleOrder(null),
  'work-order-vrt': { ...sampleOrder(null), RequestedLocation: FIELD },
  'work-record-blended': {
    ...sampleRecord({
      nutrients: {
        warning: 1,
        nutrient: { abbreviation: 1, nutrientDescription: 1, percentage: 1, nutrientSources: { sourceDescription: 1, percentage: 1 } },
      },
    }),
    OrderStatus: 1,
  },
  'work-record-single': { ...sampleRecord(null), OrderStatus: 1 },
  'work-record-vrt': {
    ...sampleRecord(null),
    OrderStatus: 1,
    RequestedLocation: FIELD,
    ActualLocation: { InclusionCoordinates: COORDINATES },
  },
};

describe('fixtures', () => {
  for (const c of CASES) {
    test(`${c.name}: the canonical fixture validates`, () => valid(c.kind, c.canonical));
  }

  for (const [name, shape] of Object.entries(EXPECTED_SHAPE)) {
    test(`${name}: the legacy fixture is a bare array shaped like the standard's sample`, () => {
      const legacy = CASES.find((c) => c.name === name)?.legacy;
      assert.ok(Array.isArray(legacy) && legacy.length === 1);
      assert.deepEqual(keyTree(legacy[0]), shape);
    });
  }

  test('legacy fixtures use integer codes, wrappers and alpha-2 countries like the samples', () => {
    const order = legacyOrderBlended[0] as unknown as Obj;
    const header = order.Header as Obj;
    assert.deepEqual((header.Sender as Obj).Identifier, [{ Agency: 5, Number: 'PRC-ERP', Name: 'Prairie Ridge Cooperative ERP' }]);
    assert.equal(order.WorkOrderType, 0);
    assert.equal(order.PhysicalState, 0);
    assert.deepEqual(
      (order.Reference as Obj[]).map((r) => r.ReferenceType),
      [8, 4],
    );
    const buyer = (order.Parties as Obj).Buyer as Obj;
    assert.equal((buyer.Address as Obj[])[0]?.AddressType, 2);
    assert.equal((buyer.Address as Obj[])[0]?.CountryCode, 'US');
    const product = ((order.ProductGroup as Obj[])[0]?.Product as Obj[])[0] as Obj;
    assert.equal((product.RequestedQuantity as Obj).Agency, 11);
    assert.equal(product.IsCarrier, false);
    const single = legacyOrderSingle[0] as unknown as Obj;
    assert.equal(single.PhysicalState, 1);
    assert.equal((((single.ProductGroup as Obj[])[0]?.Product as Obj[])[0] as Obj).IsCarrier, true);
    assert.equal((legacyRecordVrt[0] as unknown as Obj).OrderStatus, 1);
    assert.equal((legacyAcknowledgement[0] as unknown as Obj).AcknowledgeWorkOrderStatusCode, 1);
  });
});

describe('fromLegacy and toLegacy on the fixtures', () => {
  for (const c of CASES) {
    test(`${c.name}: older form → canonical equals the canonical fixture and validates`, () => {
      const document = convert(c.kind, c.legacy[0]);

      assert.deepEqual(document, c.canonical);
      valid(c.kind, document);
    });

    test(`${c.name}: canonical → legacy-numeric equals the legacy fixture (the sample files' form)`, () => {
      assert.deepEqual(toLegacy(c.kind, c.canonical, 'legacy-numeric'), c.legacy[0]);
    });

    test(`${c.name}: canonical → older → canonical is the identity`, () => {
      assert.deepEqual(convert(c.kind, toLegacy(c.kind, c.canonical)), c.canonical);
    });
  }

  test('neither direction changes its input', () => {
    const legacy = clone(legacyRecordBlended[0]);
    const canonical = clone(recordBlended);

    convert('workRecord', legacy);
    toLegacy('workRecord', canonical);

    assert.deepEqual(legacy, legacyRecordBlended[0]);
    assert.deepEqual(canonical, recordBlended);
  });
});

type Schema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
};
/** A document with every property of the schema, cycling through the code values and flags. */
function maximal(schema: Schema): unknown {
  const defs = (common as unknown as { definitions: Record<string, Schema> }).definitions;
  const counters = new Map<string, number>();
  const next = (key: string) => {
    const n = counters.get(key) ?? 0;
    counters.set(key, n + 1);
    return n;
  };
  const gen = (node: Schema): unknown => {
    if (node.$ref) return gen(defs[node.$ref.split('/').pop()!]!);
    if (node.enum) {
      const values = node.enum.filter((v) => typeof v === 'string');
      return values[next(values.join()) % values.length];
    }
    if (node.type === 'object') return Object.fromEntries(Object.entries(node.properties ?? {}).map(([k, v]) => [k, gen(v)]));
    if (node.type === 'array') return Array.from({ length: Math.min(2, node.maxItems ?? 2) }, () => gen(node.items!));
    if (node.type === 'string') return node.format === 'date-time' ? '2026-05-04T03:02:01.000-05:00' : `text-${next('text')}`;
    if (node.type === 'integer') return 3;
    if (node.type === 'number') return Math.min(node.maximum ?? 1e6, Math.max(node.minimum ?? -1e6, 41.5));
    assert.fail(`no generator for ${JSON.stringify(node)}`);
  };
  return gen(schema);
}

/** Every property name outside guaranteedAnalysisDetail starts with a capital letter. */
function assertPascalCase(value: unknown, path = ''): void {
  if (Array.isArray(value)) return value.forEach((v, i) => assertPascalCase(v, `${path}/${i}`));
  if (typeof value !== 'object' || value === null) return;
  for (const [k, v] of Object.entries(value)) {
    if (k === 'guaranteedAnalysisDetail') continue;
    assert.match(k, /^[A-Z]/, `${path}/${k}`);
    assertPascalCase(v, `${path}/${k}`);
  }
}

describe('every property of the schemas', () => {
  const schemas: [DocumentKind, Schema][] = [
    ['workOrder', workOrderSchema as unknown as Schema],
    ['workRecord', workRecordSchema as unknown as Schema],
    ['acknowledgement', acknowledgementSchema as unknown as Schema],
  ];
  for (const [kind, schema] of schemas) {
    test(`${kind}: a document using all of them round-trips, PascalCase in the older form`, () => {
      const doc = maximal(schema);
      valid(kind, doc);

      const legacy = toLegacy(kind, doc);

      assert.ok(isLegacyDocument(legacy));
      assertPascalCase(legacy);
      assert.deepEqual(convert(kind, legacy), doc);
    });
  }
});

/** A legacy order to edit in a test. */
const legacyOrder = () => clone(legacyOrderBlended[0]) as unknown as Obj;
const legacyRecord = () => clone(legacyRecordBlended[0]) as unknown as Obj;
const firstProduct = (doc: Obj) => (((doc.ProductGroup as Obj[])[0] as Obj).Product as Obj[])[0] as Obj;

describe('fromLegacy', () => {
  test('gives a work record without OrderStatus (as in every sample of the standard) the status complete', () => {
    const record = legacyRecord();
    delete record.OrderStatus;

    const document = convert('workRecord', record);

    assert.equal(document.orderStatus, 'complete');
    valid('workRecord', document);
  });

  test('answers an unknown integer code with the path as sent and the accepted values', () => {
    const order = legacyOrder();
    order.PhysicalState = 7;

    const error = rejected(() => fromLegacy('workOrder', order, '/dispensingWorkOrder/0'));

    assert.deepEqual(error.errors, [
      { path: '/dispensingWorkOrder/0/PhysicalState', message: '7 is not a physicalState code; accepted: 0 (dry), 1 (liquid)' },
    ]);
    assert.match(error.message, /\/dispensingWorkOrder\/0\/PhysicalState: 7 is not a physicalState code/);
  });

  test('names every unknown code of a document, deep ones too, and non-integers and negatives as well', () => {
    const order = legacyOrder();
    ((order.ProductGroup as Obj[])[0] as Obj).Product = [firstProduct(order), clone(firstProduct(order))];
    (firstProduct(order).RequestedQuantity as Obj).Agency = 1.5;
    ((((order.ProductGroup as Obj[])[0] as Obj).Product as Obj[])[1]!.RequestedQuantity as Obj).Agency = 14;
    order.WorkOrderType = -1;

    const error = rejected(() => fromLegacy('workOrder', order, '/dispensingWorkOrder/2'));

    assert.deepEqual(
      error.errors?.map((e) => e.path),
      [
        '/dispensingWorkOrder/2/ProductGroup/0/Product/0/RequestedQuantity/Agency',
        '/dispensingWorkOrder/2/ProductGroup/0/Product/1/RequestedQuantity/Agency',
        '/dispensingWorkOrder/2/WorkOrderType',
      ],
    );
    assert.match(
      error.errors?.[1]?.message ?? '',
      /^14 is not an agency code; accepted: 0 \(GS1\), .*11 \(UN_REC_20\), 12 \(ANSI\), 13 \(Custom\)$/,
    );
    assert.match(
      error.errors?.[2]?.message ?? '',
      /^-1 is not a workType code; accepted: 0 \(create\), 1 \(update\), 2 \(cancel\), 3 \(hold\)$/,
    );
  });

  test('passes canonical code strings through and maps .NET names case-insensitively, GS to GS1', () => {
    const order = legacyOrder();
    order.PhysicalState = 'liquid';
    order.WorkOrderType = 'Create';
    (order.WorkOrderIdentifier as Obj).Agency = 'GS';
    const buyer = (order.Parties as Obj).Buyer as Obj;
    (buyer.Address as Obj[])[0]!.AddressType = 'Billing';

    const document = convert('workOrder', order);

    assert.equal(document.physicalState, 'liquid');
    assert.equal(document.workOrderType, 'create');
    assert.deepEqual(document.workOrderIdentifier, { agency: 'GS1', number: 'WO-260316-0042' });
    assert.equal(((document.parties as Obj).buyer as { address: Obj[] }).address[0]?.addressType, 'billing');
    valid('workOrder', document);

    const record = legacyRecord();
    record.OrderStatus = 'InProgress';
    assert.equal(convert('workRecord', record).orderStatus, 'inProgress');
  });

  test('leaves unknown code strings for validation to report', () => {
    const record = legacyRecord();
    record.OrderStatus = 'Paused';

    const document = convert('workRecord', record);

    assert.equal(document.orderStatus, 'Paused');
    assert.equal(validateWorkRecord(document), false);
  });

  test('maps alpha-2 countries (any case), keeps alpha-3, decodes an integer, leaves others for validation', () => {
    const countries = ['US', 'ca', 'MEX', 2, 'de', 'deu', 'XZ'].map((code) => {
      const order = legacyOrder();
      ((((order.Parties as Obj).Buyer as Obj).Address as Obj[])[0] as Obj).CountryCode = code;
      return (((convert('workOrder', order).parties as Obj).buyer as { address: Obj[] }).address[0] as Obj).countryCode;
    });

    assert.deepEqual(countries, ['USA', 'CAN', 'MEX', 'MEX', 'DEU', 'DEU', 'XZ']);
  });

  test('turns JSON booleans (and .NET "True") into the canonical strings', () => {
    const order = legacyOrder();
    firstProduct(order).IsCarrier = true;
    ((order.ProductGroup as Obj[])[0] as Obj).UpdateFormulaDefinition = 'True';

    const group = (convert('workOrder', order).productGroup as Obj[])[0] as Obj;

    assert.equal((group.product as Obj[])[0]?.isCarrier, 'true');
    assert.equal(group.updateFormulaDefinition, 'true');
  });

  test('takes the first identifier of a Sender wrapper, and a bare identifier as it is', () => {
    const order = legacyOrder();
    const header = order.Header as Obj;
    (header.Sender as Obj).Identifier = [
      { Agency: 5, Number: 'FIRST' },
      { Agency: 3, Number: 'SECOND' },
    ];
    header.Receiver = { Agency: 3, Number: 'BARE' };

    const converted = convert('workOrder', order).header as Obj;

    assert.deepEqual(converted.sender, { agency: 'AssignedByOriginator', number: 'FIRST' });
    assert.deepEqual(converted.receiver, { agency: 'AssignedBySender', number: 'BARE' });
  });

  test('leaves camelCase keys inside a legacy document as they are', () => {
    const order = legacyOrder();
    order.workOrderType = order.WorkOrderType;
    delete order.WorkOrderType;
    (order.Header as Obj).thisDocumentIdentifier = (order.Header as Obj).ThisDocumentIdentifier;
    delete (order.Header as Obj).ThisDocumentIdentifier;

    const document = convert('workOrder', order);

    assert.deepEqual(document, orderBlended);
    assert.deepEqual(
      ((document.productGroup as Obj[])[0] as Obj).guaranteedAnalysisDetail,
      orderBlended.productGroup[0]?.guaranteedAnalysisDetail,
    );
  });

  test('is the identity on a canonical document', () => {
    for (const c of CASES) assert.deepEqual(convert(c.kind, c.canonical), c.canonical, c.name);
  });

  test('accepts the .NET spellings: Iamge, Descrpition, FileName; Address County and Township kept beside the canonical document', () => {
    const order = legacyOrder();
    const buyer = (order.Parties as Obj).Buyer as Obj;
    buyer.Iamge = [{ Descrpition: 'Yard sign', FileName: 'sign.png', Base64Image: 'iVBORw0KGgo=' }];
    Object.assign((buyer.Address as Obj[])[0] as Obj, { County: 'Story', Township: 'Nevada' });

    const { document, extras } = fromLegacy('workOrder', order, '') as { document: Obj; extras: unknown[] };
    const party = (document.parties as Obj).buyer as Obj;

    assert.deepEqual(party.image, [{ description: 'Yard sign', filename: 'sign.png', base64Image: 'iVBORw0KGgo=' }]);
    // The canonical form has no place for them: not in the document, but kept as extras (served back in the older form).
    assert.equal('county' in ((party.address as Obj[])[0] as Obj) || 'County' in ((party.address as Obj[])[0] as Obj), false);
    assert.match(JSON.stringify(extras), /"Story"/);
    assert.match(JSON.stringify(extras), /"Nevada"/);
    valid('workOrder', document);
  });

  test('accepts the .NET guaranteed analysis: a list of {Nutrient: [...], Warning}', () => {
    const order = legacyOrder();
    const group = (order.ProductGroup as Obj[])[0] as Obj;
    delete group.guaranteedAnalysisDetail;
    group.GuaranteedAnalysisDetail = [
      {
        Nutrient: [
          { Abbreviation: 'N', Percentage: 11 },
          { Abbreviation: 'P2O5', Percentage: 20 },
        ],
        Warning: 'Keep dry.',
      },
      { Nutrient: [{ Abbreviation: 'K2O', Percentage: 30 }] },
    ];

    const document = convert('workOrder', order);

    assert.deepEqual(((document.productGroup as Obj[])[0] as Obj).guaranteedAnalysisDetail, {
      nutrients: [
        { nutrient: { abbreviation: 'N', percentage: 11 }, warning: 'Keep dry.' },
        { nutrient: { abbreviation: 'P2O5', percentage: 20 }, warning: 'Keep dry.' },
        { nutrient: { abbreviation: 'K2O', percentage: 30 } },
      ],
    });
    valid('workOrder', document);
  });

  test('keeps unknown property names as sent, for validation to report', () => {
    const order = legacyOrder();
    order.Colour = 'green';

    const document = convert('workOrder', order);

    assert.equal(document.Colour, 'green');
    assert.equal(validateWorkOrder(document), false);
  });

  test('rejects one property sent under two spellings', () => {
    const order = legacyOrder();
    order.workOrderType = 0;

    const error = rejected(() => fromLegacy('workOrder', order, '/dispensingWorkOrder/0'));

    assert.deepEqual(error.errors, [
      { path: '/dispensingWorkOrder/0/workOrderType', message: 'names the same property as WorkOrderType; send it once' },
    ]);
  });

  test('returns anything that is not an object as it is, for validation to report', () => {
    for (const value of [null, 'x', 3, [1]]) assert.deepEqual(convert('workOrder', value), value);
  });
});

describe('toClientPath', () => {
  const order = legacyOrder();
  const { toClientPath } = fromLegacy('workOrder', order, '/dispensingWorkOrder/2');

  test('maps nested canonical paths to the names the client sent', () => {
    assert.equal(
      toClientPath('/dispensingWorkOrder/2/productGroup/0/product/1/requestedQuantity/agency'),
      '/dispensingWorkOrder/2/ProductGroup/0/Product/1/RequestedQuantity/Agency',
    );
    assert.equal(toClientPath('/dispensingWorkOrder/2/header/sender/number'), '/dispensingWorkOrder/2/Header/Sender/Identifier/0/Number');
    // The canonical receiver is the client's first identifier of the wrapper.
    assert.equal(toClientPath('/dispensingWorkOrder/2/header/receiver'), '/dispensingWorkOrder/2/Header/Receiver/Identifier/0');
    assert.equal(
      toClientPath('/dispensingWorkOrder/2/parties/other/0/identifier/0'),
      '/dispensingWorkOrder/2/Parties/OtherParty/0/Identifier/0',
    );
    assert.equal(
      toClientPath('/dispensingWorkOrder/2/productGroup/0/guaranteedAnalysisDetail/nutrients/1/nutrient/percentage'),
      '/dispensingWorkOrder/2/ProductGroup/0/guaranteedAnalysisDetail/nutrients/1/nutrient/percentage',
    );
    assert.equal(toClientPath('/dispensingWorkOrder/2'), '/dispensingWorkOrder/2');
  });

  test('accepts a path relative to the document', () => {
    assert.equal(toClientPath('/workOrderIdentifier/number'), '/dispensingWorkOrder/2/WorkOrderIdentifier/Number');
    assert.equal(toClientPath(''), '/dispensingWorkOrder/2');
  });

  test('names a missing property as the older form would, and keeps unknown names as they are', () => {
    assert.equal(
      toClientPath('/dispensingWorkOrder/2/transportationInformation/0/grossWeight'),
      '/dispensingWorkOrder/2/TransportInformation/0/GrossWeight',
    );
    assert.equal(toClientPath('/dispensingWorkOrder/2/Colour/a~1b'), '/dispensingWorkOrder/2/Colour/a~1b');
  });

  test('follows the spelling the client used: camelCase, .NET typos, the .NET analysis list', () => {
    const doc = legacyOrder();
    doc.workOrderType = doc.WorkOrderType;
    delete doc.WorkOrderType;
    const buyer = (doc.Parties as Obj).Buyer as Obj;
    buyer.Iamge = [{ Descrpition: 'Yard sign' }];
    const group = (doc.ProductGroup as Obj[])[0] as Obj;
    delete group.guaranteedAnalysisDetail;
    group.GuaranteedAnalysisDetail = [
      { Nutrient: [{ Abbreviation: 'N', Percentage: 11 }] },
      { Nutrient: [{ Abbreviation: 'K2O' }], Warning: 'w' },
    ];
    const map = fromLegacy('workOrder', doc, '').toClientPath;

    assert.equal(map('/workOrderType'), '/workOrderType');
    assert.equal(map('/parties/buyer/image/0/description'), '/Parties/Buyer/Iamge/0/Descrpition');
    assert.equal(
      map('/productGroup/0/guaranteedAnalysisDetail/nutrients/1/nutrient/percentage'),
      '/ProductGroup/0/GuaranteedAnalysisDetail/1/Nutrient/0/Percentage',
    );
    assert.equal(map('/productGroup/0/guaranteedAnalysisDetail/nutrients/1/warning'), '/ProductGroup/0/GuaranteedAnalysisDetail/1/Warning');
  });

  test('points at an empty Sender wrapper when the identifier is missing', () => {
    const doc = legacyOrder();
    ((doc.Header as Obj).Sender as Obj).Identifier = [];
    const { document, toClientPath: map } = fromLegacy('workOrder', doc, '/dispensingWorkOrder/0');

    assert.deepEqual((document as { header: Obj }).header.sender, {});
    assert.equal(validateWorkOrder(document), false);
    assert.deepEqual(
      (validateWorkOrder as Validator).errors?.map((e) => map(e.instancePath)),
      ['/dispensingWorkOrder/0/Header/Sender/Identifier', '/dispensingWorkOrder/0/Header/Sender/Identifier'],
    );
  });

  test('turns real validation errors of a batch into the paths the client sent', () => {
    const bad = clone(legacyOrderVrt[0]) as unknown as Obj;
    const location = (bad.RequestedLocation as Obj[])[0] as Obj;
    (((location.InclusionCoordinates as Obj[])[0] as Obj).Point as Obj[])[2]!.Lat = 91;
    delete (firstProduct(bad).RequestedQuantity as Obj).Uom;
    const batch = [orderSingle, bad];
    const converted = batch.map((doc, i) =>
      isLegacyDocument(doc) ? fromLegacy('workOrder', doc, `/dispensingWorkOrder/${i}`) : { document: doc, toClientPath: (p: string) => p },
    );

    const validate = validateWorkOrderRequest as Validator;
    assert.equal(validate({ dispensingWorkOrder: converted.map((c) => c.document) }), false);
    const paths = (validate.errors ?? []).map((e) => converted[Number(e.instancePath.split('/')[2])]!.toClientPath(e.instancePath));

    assert.deepEqual(paths.sort(), [
      '/dispensingWorkOrder/1/ProductGroup/0/Product/0/RequestedQuantity',
      '/dispensingWorkOrder/1/RequestedLocation/0/InclusionCoordinates/0/Point/2/Lat',
    ]);
  });
});

describe('isLegacyDocument', () => {
  test('tells the two forms apart per document in a mixed batch', () => {
    const batch: unknown[] = [orderBlended, legacyOrderSingle[0], recordVrt, legacyRecordVrt[0]];

    assert.deepEqual(batch.map(isLegacyDocument), [false, true, false, true]);
  });

  test('is false for anything that is not an object', () => {
    for (const value of [null, undefined, 'Header', 1, [{ Header: {} }]]) assert.equal(isLegacyDocument(value), false);
  });

  test('a mixed batch normalises to canonical documents that all validate', () => {
    const batch: unknown[] = [orderBlended, legacyOrderSingle[0], legacyOrderVrt[0]];
    const docs = batch.map((d, i) => (isLegacyDocument(d) ? fromLegacy('workOrder', d, `/dispensingWorkOrder/${i}`).document : d));

    assert.ok(validateWorkOrderRequest({ dispensingWorkOrder: docs }));
    assert.deepEqual(docs, [orderBlended, orderSingle, orderVrt]);
  });
});

describe('toLegacy', () => {
  test('emits FileName, Image and Description for a party image in legacy-numeric; the .NET Iamge and Descrpition in legacy', () => {
    const order = clone(orderBlended) as unknown as Obj;
    ((order.parties as Obj).buyer as Obj).image = [{ description: 'Yard sign', filename: 'sign.png' }];

    const numeric = toLegacy('workOrder', order, 'legacy-numeric') as Obj;
    const net = toLegacy('workOrder', order, 'legacy') as Obj;

    assert.deepEqual(((numeric.Parties as Obj).Buyer as Obj).Image, [{ Description: 'Yard sign', FileName: 'sign.png' }]);
    assert.deepEqual(((net.Parties as Obj).Buyer as Obj).Iamge, [{ Descrpition: 'Yard sign', FileName: 'sign.png' }]);
  });

  test('turns stored JSON booleans into JSON booleans too', () => {
    const order = clone(orderSingle) as unknown as { productGroup: { product: Obj[] }[] };
    order.productGroup[0]!.product[0]!.isCarrier = true;

    const legacy = toLegacy('workOrder', order) as Obj;

    assert.equal(firstProduct(legacy).IsCarrier, true);
  });

  test('converts a variable-rate order with 20,000 field points both ways in well under a second', () => {
    const order = clone(orderVrt) as unknown as {
      requestedLocation: { inclusionCoordinates: { point: { lat: number; lon: number }[] }[] }[];
    };
    order.requestedLocation[0]!.inclusionCoordinates[0]!.point = Array.from({ length: 20_000 }, (_, i) => ({
      lat: 42 + i / 1e6,
      lon: -93.5 - i / 1e6,
    }));
    const started = performance.now();

    const back = convert('workOrder', toLegacy('workOrder', order));

    assert.deepEqual(back, order);
    assert.ok(performance.now() - started < 1000);
  });
});
