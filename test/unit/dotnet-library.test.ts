/**
 * The standard's .NET library as a client, without .NET: our byte-exact fixtures of what it
 * writes (test/fixtures/dotnet/), and its reading rules (test/support/net-library.ts) applied
 * to what the hub serves.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'vitest';
import { validateKeySpec } from '../../functions/domain/api-keys.ts';
import { HubError } from '../../functions/domain/errors.ts';
import { legacyModel } from '../../functions/domain/legacy-codes.ts';
import { type DocumentKind, fromLegacy, resolveZonelessDateTimes, toLegacy, ZONELESS_HINT } from '../../functions/domain/legacy-form.ts';
import { canonicalTimeZone, netDateTime, zonedDateTime } from '../../functions/domain/time.ts';
import { statusAfterRecord } from '../../functions/domain/work-records.ts';
import { validateWorkOrder, validateWorkRecord } from '../../functions/generated/validators.cjs';
import { ENUMS, type NetKind, netParse, netSerialize, netView, tryParseEnum } from '../support/net-library.ts';

type Obj = Record<string, any>;
const DIR = join(import.meta.dirname, '..', 'fixtures', 'dotnet');
const bytes = (name: string) => readFileSync(join(DIR, `${name}.json`), 'utf8');
const FIXTURES: { name: string; net: NetKind; kind: DocumentKind }[] = [
  { name: 'work-order', net: 'DispensingWorkOrder', kind: 'workOrder' },
  { name: 'work-order-dropped', net: 'DispensingWorkOrder', kind: 'workOrder' },
  { name: 'work-record', net: 'DispensingWorkRecord', kind: 'workRecord' },
  { name: 'work-order-kept', net: 'DispensingWorkOrder', kind: 'workOrder' },
  { name: 'work-record-kept', net: 'DispensingWorkRecord', kind: 'workRecord' },
];

/** Older form as the library wrote it → canonical, as the hub's envelope does. */
function read(kind: DocumentKind, doc: unknown, timeZone?: string | null) {
  return fromLegacy(kind, doc, '/d/0', timeZone === undefined ? {} : { timeZone });
}

describe('the fixtures are what the library writes', () => {
  for (const f of FIXTURES) {
    test(`${f.name}: written again under the library's rules it is the same bytes (order, \\/, CRLF, omitted members)`, () => {
      const text = bytes(f.name);
      const { documents, ignored } = netParse(f.net, text);

      assert.equal(netSerialize(f.net, documents), text);
      assert.deepEqual(ignored, []);
      assert.ok(text.includes('\r\n') && !/[^\r]\n/.test(text), 'CRLF line ends only');
      assert.ok(text.includes('\\/'), 'a / is written \\/');
      assert.ok(!text.includes('null'), 'optional members left out, none written as null');
    });
  }

  test('the Json.NET document is compact, unescaped and zone-less: the library itself could not read it', () => {
    const text = bytes('work-order-jsonnet');
    assert.ok(!text.includes('\n') && text.includes('SO-77/3') && text.includes('"Value":80.0'));
    assert.throws(() => netParse('DispensingWorkOrder', text), /yyyy-MM-dd/);
  });
});

describe('what the hub serves in the legacy form reads under the library rules with every field equal', () => {
  for (const f of FIXTURES.filter((x) => !/-(dropped|kept)$/.test(x.name))) {
    test(`${f.name}: library bytes → canonical → legacy → library view is the identity`, () => {
      const [sent] = JSON.parse(bytes(f.name));
      const { document, warnings } = read(f.kind, sent, null);
      const validate = f.kind === 'workOrder' ? validateWorkOrder : validateWorkRecord;
      assert.ok(validate(document), JSON.stringify(validate.errors));
      assert.deepEqual(warnings, []);

      const served = JSON.stringify([toLegacy(f.kind, document, 'legacy')]);
      const got = netParse(f.net, served);

      assert.deepEqual(got.ignored, []);
      assert.deepEqual(netView(f.net, got.documents), netView(f.net, netParse(f.net, bytes(f.name)).documents));
      // Beyond the library's view: the served text is the library's own, member for member.
      assert.deepEqual(JSON.parse(served), [sent]);
    });
  }

  test('every code value of the schema is served as the name the library parses (exact spelling), or is the hub’s own', () => {
    const enumOf: Record<string, readonly string[]> = {
      agency: ENUMS.AgencyTypes,
      addressType: ENUMS.AddressTypes,
      coordinateType: ENUMS.CoordinateTypes,
      documentType: ENUMS.DocumentTypes,
      orderStatus: ENUMS.OrderStatuses,
      partyType: ENUMS.PartyTypes,
      physicalState: ENUMS.PhysicalStates,
      referenceType: ENUMS.ReferenceTypes,
      workType: ENUMS.WorkOrderTypes,
      commentType: ENUMS.CommentTypes,
    };
    for (const [list, names] of Object.entries(enumOf)) {
      const codes = legacyModel().codeLists.get(list)!;
      for (const value of codes.values)
        assert.equal(tryParseEnum(names, codes.netName.get(value)!), codes.netName.get(value), `${list}.${value}`);
      // and every value the library has is accepted on input
      for (const name of names) assert.ok(codes.byLower.has(name.toLowerCase()), `${list} accepts ${name}`);
    }
  });

  test('integers would be misread by the library (its enums differ): the legacy form never serves them', () => {
    assert.equal(tryParseEnum(ENUMS.OrderStatuses, '0'), 'Cancelled'); // the standard's 0 is complete
    assert.equal(tryParseEnum(ENUMS.ReferenceTypes, '8'), 'Invoice'); // the standard's 8 is PurchaseOrder
    const served = JSON.stringify(toLegacy('workRecord', read('workRecord', JSON.parse(bytes('work-record'))[0]).document));
    assert.ok(!/"(Agency|OrderStatus|ReferenceType|PhysicalState)": ?\d/.test(served));
  });

  test('date-times are served in the library format with the offset the document carried; Z as +00:00', () => {
    assert.equal(netDateTime('2026-03-16T06:41:57.204-05:00'), '2026-03-16T06:41:57.204-05:00');
    assert.equal(netDateTime('2026-03-16T11:41:57Z'), '2026-03-16T11:41:57.000+00:00');
    assert.equal(netDateTime('2026-03-16T11:41:57.2048911+01:00'), '2026-03-16T11:41:57.204+01:00');
    assert.equal(netDateTime('2026-03-16t11:41:57.5z'), '2026-03-16T11:41:57.500+00:00');
  });

  test('guaranteed analysis is served as the library list; entries sharing a warning share an item', () => {
    const served = toLegacy('workOrder', read('workOrder', JSON.parse(bytes('work-order'))[0]).document) as Obj;
    assert.deepEqual(
      served.ProductGroup[0].GuaranteedAnalysisDetail.map((g: Obj) => [g.Nutrient.map((n: Obj) => n.Abbreviation), g.Warning]),
      [
        [['N', 'P2O5'], 'Keep dry.'],
        [['K2O'], undefined],
      ],
    );
  });
});

describe('input the library and the samples produce', () => {
  test('names (any case) or the standard integers; the library-only reference types and Cancelled are kept', () => {
    const [doc] = JSON.parse(bytes('work-record'));
    doc.OrderStatus = 'Cancelled';
    doc.Reference = [
      { ReferenceType: 'PlantFoodPerAcre', Value: '350' },
      { ReferenceType: 8, Value: 'PO-1' },
      { ReferenceType: 'salesorder', Value: 'SO-1' },
    ];
    const { document } = read('workRecord', doc) as { document: Obj };

    assert.equal(document.orderStatus, 'cancelled');
    assert.deepEqual(
      document.reference.map((r: Obj) => r.referenceType),
      ['PlantFoodPerAcre', 'PurchaseOrder', 'SalesOrder'],
    );
    assert.ok(validateWorkRecord(document), JSON.stringify(validateWorkRecord.errors));
  });

  test('an integer past the standard list is refused: the hub’s additions have no integer code', () => {
    const [doc] = JSON.parse(bytes('work-record'));
    doc.Reference = [{ ReferenceType: 13, Value: 'x' }];
    doc.OrderStatus = 2;
    try {
      read('workRecord', doc);
      assert.fail('accepted');
    } catch (e) {
      assert.ok(e instanceof HubError);
      assert.deepEqual(e.errors?.map((x) => x.path).sort(), ['/d/0/OrderStatus', '/d/0/Reference/0/ReferenceType']);
      assert.match(e.errors?.find((x) => x.path === '/d/0/OrderStatus')?.message ?? '', /accepted: 0 \(complete\), 1 \(inProgress\)$/);
    }
  });

  test('legacy-numeric serves the standard integers, and a value the hub added by its .NET name', () => {
    const record = read('workRecord', JSON.parse(bytes('work-record'))[0]).document as Obj;
    record.orderStatus = 'cancelled';
    const numeric = toLegacy('workRecord', record, 'legacy-numeric') as Obj;

    assert.equal(numeric.OrderStatus, 'Cancelled');
    assert.deepEqual(
      numeric.Reference.map((r: Obj) => r.ReferenceType),
      ['NurseTruck', 8],
    );
    assert.equal(numeric.WorkRecordIdentifier.Agency, 4);
    assert.equal(numeric.WorkRecordCreationDateTime, '2026-03-17T09:15:02.530-05:00');
    assert.ok('guaranteedAnalysisDetail' in numeric.ProductGroup[0]);
  });

  test('a record reporting Cancelled leaves the order’s status as it is', () => {
    for (const status of ['open', 'accepted', 'inProgress', 'onHold'] as const)
      assert.equal(statusAfterRecord(status, 'cancelled'), status);
  });
});

describe('nothing dropped silently', () => {
  test('a second sender identifier, the sender’s party type, County and Township are named in warnings', () => {
    const [doc] = JSON.parse(bytes('work-order-dropped'));
    const { document, warnings } = read('workOrder', doc);

    assert.ok(validateWorkOrder(document), JSON.stringify(validateWorkOrder.errors));
    assert.deepEqual(
      warnings.map((w) => w.path),
      [
        '/d/0/Header/Sender/Identifier/1',
        '/d/0/Header/Sender/PartyType',
        '/d/0/Parties/Buyer/Address/0/County',
        '/d/0/Parties/Buyer/Address/0/Township',
      ],
    );
    assert.match(warnings[0]!.message, /not in the canonical form/);
  });
});

describe('what the canonical form cannot hold is kept with the document and served back', () => {
  for (const f of FIXTURES.filter((x) => x.name.endsWith('-kept'))) {
    test(`${f.name}: library bytes → canonical + extras → legacy is what the library sent, member for member`, () => {
      const [sent] = JSON.parse(bytes(f.name));
      const { document, warnings, extras } = read(f.kind, sent, null);
      const validate = f.kind === 'workOrder' ? validateWorkOrder : validateWorkRecord;
      assert.ok(validate(document), JSON.stringify(validate.errors));
      assert.ok(warnings.length > 0, 'still named in warnings');
      assert.ok(!JSON.stringify(document).includes('County'), 'the canonical document holds none of it');

      const served = JSON.stringify([toLegacy(f.kind, document, 'legacy', extras)]);
      assert.deepEqual(JSON.parse(served), [sent]);
      const got = netParse(f.net, served);
      assert.deepEqual(got.ignored, []);
      assert.deepEqual(netView(f.net, got.documents), netView(f.net, netParse(f.net, bytes(f.name)).documents));
      // Without its extras, the document is what the canonical form holds (the warned members are gone).
      assert.notDeepEqual(toLegacy(f.kind, document, 'legacy'), sent);
    });
  }

  test('extras: the rest of a header party as a canonical Party (codes canonical), an address’s members as sent', () => {
    const [sent] = JSON.parse(bytes('work-order-kept'));
    const { extras } = read('workOrder', sent);
    assert.deepEqual(
      extras.map((e) => e.at),
      ['/header/receiver', '/header/sender', '/parties/buyer/address/0', '/parties/shipTo/address/0'],
    );
    const sender = extras.find((e) => e.at === '/header/sender') as { party: Obj };
    assert.deepEqual(sender.party.identifier, [{ agency: 'GLN', number: '0614141000029' }]);
    assert.equal(sender.party.partyType, 'Seller');
    assert.equal(sender.party.address[0].countryCode, 'USA');
    // An address inside the kept party keeps its County and Township in place.
    assert.equal(sender.party.address[0].County, 'Story');
    assert.deepEqual((extras[2] as { values: Obj }).values, { County: 'Story', Township: 'Nevada' });
  });

  test('legacy-numeric serves what its form has: every header identifier (integers); no party members, County or Township', () => {
    const [sent] = JSON.parse(bytes('work-order-kept'));
    const { document, extras } = read('workOrder', sent);
    const numeric = toLegacy('workOrder', document, 'legacy-numeric', extras) as Obj;
    assert.deepEqual(numeric.Header.Sender, {
      Identifier: [
        { Agency: 5, Name: 'Prairie Ridge Cooperative ERP', Number: 'PRC-ERP' },
        { Agency: 1, Number: '0614141000029' },
      ],
    });
    assert.equal(numeric.Header.Receiver.Identifier.length, 2);
    assert.ok(!JSON.stringify(numeric).includes('County'));
    assert.deepEqual(
      numeric,
      toLegacy(
        'workOrder',
        document,
        'legacy-numeric',
        extras.filter((e) => 'party' in e),
      ),
    );
  });

  test('a party code outside the standard list in a header party is a 400 like anywhere else', () => {
    const [sent] = JSON.parse(bytes('work-order-kept'));
    sent.Header.Sender.PartyType = 99;
    assert.throws(
      () => read('workOrder', sent),
      (e) => e instanceof HubError && e.errors?.[0]?.path === '/d/0/Header/Sender/PartyType',
    );
  });

  test('a document without extras is served as before (no extras, or an empty list)', () => {
    const [sent] = JSON.parse(bytes('work-order'));
    const { document, extras } = read('workOrder', sent);
    assert.deepEqual(extras, []);
    assert.deepEqual(toLegacy('workOrder', document, 'legacy', []), toLegacy('workOrder', document, 'legacy'));
  });
});

describe('zone-less date-times (Json.NET)', () => {
  test('are read in the key’s zone, DST-correct', () => {
    const [doc] = JSON.parse(bytes('work-order-jsonnet'));
    const { document } = read('workOrder', doc, 'America/Chicago') as { document: Obj };

    assert.equal(document.workOrderCreationDateTime, '2026-03-16T06:41:57.204-05:00'); // CDT
    assert.equal(document.header.creationDateTime, '2026-03-16T06:42:10.118-05:00');
    // 01:30 happens twice on 2026-11-01 in Chicago: the earlier (still CDT)
    assert.equal(document.dispensingStartDateTime, '2026-11-01T01:30:00.000-05:00');
    assert.ok(validateWorkOrder(document), JSON.stringify(validateWorkOrder.errors));
  });

  test('without a zone on the key they are refused, saying how to fix it', () => {
    const [doc] = JSON.parse(bytes('work-order-jsonnet'));
    try {
      read('workOrder', doc, null);
      assert.fail('accepted');
    } catch (e) {
      assert.ok(e instanceof HubError);
      assert.ok(e.errors?.some((x) => x.path === '/d/0/WorkOrderCreationDateTime' && x.message.endsWith(ZONELESS_HINT)));
      assert.match(ZONELESS_HINT, /--time-zone/);
    }
  });

  test('canonical documents get the same treatment', () => {
    const doc: Obj = { workOrderCreationDateTime: '2026-01-16T06:41:57', header: { creationDateTime: '2026-01-16T06:41:57Z' } };
    assert.deepEqual(resolveZonelessDateTimes('workOrder', doc, '/x', 'Europe/Berlin'), []);
    assert.equal(doc.workOrderCreationDateTime, '2026-01-16T06:41:57.000+01:00');
    assert.equal(doc.header.creationDateTime, '2026-01-16T06:41:57Z');
    assert.equal(
      resolveZonelessDateTimes('workOrder', { workOrderCreationDateTime: '2026-01-16T06:41' }, '/x', null)[0]?.path,
      '/x/workOrderCreationDateTime',
    );
  });

  test('zonedDateTime: offsets across DST, a skipped wall time is null, impossible dates are null', () => {
    assert.equal(zonedDateTime('2026-07-01T12:00:00', 'America/Chicago'), '2026-07-01T12:00:00.000-05:00');
    assert.equal(zonedDateTime('2026-01-01T12:00:00.1234567', 'America/Chicago'), '2026-01-01T12:00:00.123-06:00');
    assert.equal(zonedDateTime('2026-03-08T02:30:00', 'America/Chicago'), null); // spring forward skips 02:00-03:00
    assert.equal(zonedDateTime('2026-03-08T03:00:00', 'America/Chicago'), '2026-03-08T03:00:00.000-05:00');
    assert.equal(zonedDateTime('2026-11-01T01:30', 'America/Chicago'), '2026-11-01T01:30:00.000-05:00');
    assert.equal(zonedDateTime('2026-10-04T02:15:00', 'Australia/Sydney'), null);
    assert.equal(zonedDateTime('2026-06-01T00:00:00', 'Asia/Kolkata'), '2026-06-01T00:00:00.000+05:30');
    assert.equal(zonedDateTime('2026-02-30T00:00:00', 'UTC'), null);
    assert.equal(zonedDateTime('2026-13-01T00:00:00', 'UTC'), null);
    assert.equal(zonedDateTime('2026-06-01T00:00:00Z', 'UTC'), null);
  });

  test('a key’s zone is an IANA name, canonically spelled; offsets and nonsense are refused', () => {
    assert.equal(canonicalTimeZone('america/chicago'), 'America/Chicago');
    assert.equal(canonicalTimeZone('UTC'), 'UTC');
    assert.equal(canonicalTimeZone('+05:00'), null);
    assert.equal(canonicalTimeZone('Mars/Olympus'), null);
    const spec = { role: 'pcs', facilities: ['F'] };
    assert.equal(validateKeySpec({ ...spec, timeZone: 'Europe/Berlin' }).timeZone, 'Europe/Berlin');
    assert.equal(validateKeySpec(spec).timeZone, null);
    assert.throws(() => validateKeySpec({ ...spec, timeZone: 'CST' }), /IANA/);
    assert.equal(validateKeySpec({ ...spec, format: 'legacy-numeric' }).format, 'legacy-numeric');
  });
});
