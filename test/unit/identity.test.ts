/**
 * Input that must never reach a table key unchecked: the schema's agency list and
 * identity-key rules applied to parameters, and the byte budget of every DynamoDB key.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { HubError } from '../../functions/domain/errors.ts';
import { AGENCY_CODES, codePointLength, isAgencyCode, isIdentityKey, parseAgencyParam } from '../../functions/domain/identity.ts';
import { legacyModel } from '../../functions/domain/legacy-codes.ts';
import { validateWorkOrder } from '../../functions/generated/validators.cjs';
import {
  balancePrefix,
  balanceSk,
  changePosition,
  changesPk,
  countSk,
  documentSk,
  facilityPk,
  KEY_LIMITS,
  ledgerPk,
  ledgerSk,
  masterNumberPrefix,
  masterPk,
  masterSk,
  orderSk,
  receiptSk,
  recordSk,
  recordsOfOrderPk,
  stockPk,
  watermarkSk,
} from '../../functions/store/keys.ts';
import common from '../../schemas/common.schema.json' with { type: 'json' };
import { workOrder } from '../support/documents.ts';

const LONGEST_AGENCY = [...AGENCY_CODES].sort((a, b) => b.length - a.length)[0]!;
const LONGEST_FACILITY = 'F'.repeat(64);
/** Numbers at the schema's limit that cost the most bytes: 4-byte characters, and characters the key escaping triples. */
const WORST_NUMBERS = ['\u{10FFFF}'.repeat(128), '😀'.repeat(128), '#'.repeat(128), '%'.repeat(128), '€'.repeat(128)];

/** Does the compiled schema validator accept this work order number? */
const schemaAcceptsNumber = (number: string): boolean => {
  const ok = validateWorkOrder(workOrder(number));
  return ok || !(validateWorkOrder.errors ?? []).some((e) => e.instancePath.startsWith('/workOrderIdentifier/number'));
};

describe('the schema rules, applied to parameters', () => {
  test('the agency list is the schema code list itself, the one the validators and the older form use', () => {
    assert.equal(AGENCY_CODES, common.definitions.agency.enum);
    assert.deepEqual(AGENCY_CODES, legacyModel().codeLists.get('agency')?.values);
    for (const code of AGENCY_CODES) assert.equal(parseAgencyParam(code), code);
  });

  test('an agency outside the list is a 400 naming /queryStringParameters/agency', () => {
    for (const agency of ['A'.repeat(1014), '€'.repeat(338), 'A'.repeat(4096), '😀', '', 'gs1', 'GS', ' GS1']) {
      assert.equal(isAgencyCode(agency), false);
      assert.throws(
        () => parseAgencyParam(agency),
        (e: unknown) => e instanceof HubError && e.kind === 'invalid-input' && e.errors?.[0]?.path === '/queryStringParameters/agency',
      );
    }
  });

  test('a path number is accepted exactly when the schema accepts it as a body number (characters, not UTF-16 units)', () => {
    const probes = [
      'WO-1',
      'N'.repeat(128),
      'N'.repeat(129),
      '€'.repeat(128),
      '€'.repeat(129),
      '😀'.repeat(128),
      '😀'.repeat(129),
      `${'😀'.repeat(127)}NN`,
      '',
      'WO\u0000',
      'WO\u001f1',
      'WO\u007f',
      'WO\u0080',
      ' ',
    ];
    for (const number of probes) {
      assert.equal(isIdentityKey(number), schemaAcceptsNumber(number), `${codePointLength(number)} characters: ${JSON.stringify(number)}`);
    }
    assert.equal(isIdentityKey('\ud800WO'), false, 'a lone surrogate is never a number');
  });
});

describe('DynamoDB key budget (partition ≤ 2048, sort ≤ 1024 bytes of UTF-8)', () => {
  test('the largest inputs validation lets through fit every key', () => {
    const at = '2026-04-02T12:00:00.000Z';
    for (const number of WORST_NUMBERS) {
      const parts = [
        [facilityPk(LONGEST_FACILITY), KEY_LIMITS.partitionKeyBytes],
        [changesPk(LONGEST_FACILITY, 'RECORDS'), KEY_LIMITS.partitionKeyBytes],
        [recordsOfOrderPk(LONGEST_FACILITY, LONGEST_AGENCY, number), KEY_LIMITS.partitionKeyBytes],
        [orderSk(LONGEST_AGENCY, number), KEY_LIMITS.sortKeyBytes],
        [recordSk(LONGEST_AGENCY, number), KEY_LIMITS.sortKeyBytes],
        [changePosition(at, LONGEST_AGENCY, number), KEY_LIMITS.sortKeyBytes],
        [watermarkSk('RECORDS', LONGEST_FACILITY), KEY_LIMITS.sortKeyBytes],
        [documentSk(`doc_${'0'.repeat(32)}`), KEY_LIMITS.sortKeyBytes],
        [masterPk(LONGEST_FACILITY, 'purchaseOrder'), KEY_LIMITS.partitionKeyBytes],
        [masterSk(LONGEST_AGENCY, number), KEY_LIMITS.sortKeyBytes],
        [masterNumberPrefix(number), KEY_LIMITS.sortKeyBytes],
        [receiptSk(number), KEY_LIMITS.sortKeyBytes],
        [countSk(number), KEY_LIMITS.sortKeyBytes],
        [stockPk(LONGEST_FACILITY), KEY_LIMITS.partitionKeyBytes],
        // Locations are at most 64 characters; stock keys carry a number and a location.
        [balanceSk({ agency: LONGEST_AGENCY, number, location: number.slice(0, 64 * (number.length / 128)) }), KEY_LIMITS.sortKeyBytes],
        [balancePrefix(number), KEY_LIMITS.sortKeyBytes],
        [
          ledgerPk(LONGEST_FACILITY, { agency: LONGEST_AGENCY, number, location: number.slice(0, 64 * (number.length / 128)) }),
          KEY_LIMITS.partitionKeyBytes,
        ],
        [ledgerSk(at, '00000000-0000-0000-0000-000000000000'), KEY_LIMITS.sortKeyBytes],
      ] as const;
      for (const [key, limit] of parts) assert.ok(Buffer.byteLength(key) <= limit, `${Buffer.byteLength(key)} bytes: ${key.slice(0, 40)}`);
    }
    // The budget is counted in bytes: 128 four-byte characters are 512 bytes, not 128 or 256.
    assert.equal(Buffer.byteLength(orderSk('GS1', '😀'.repeat(128))), 'ORDER#'.length + 512 + '#GS1'.length);
  });

  test('a key past the limit is refused as invalid input, never sent to DynamoDB', () => {
    const cases: [() => string, number][] = [
      [() => orderSk('A'.repeat(1014), 'WO-1'), 1014 + 'ORDER#WO-1#'.length],
      [() => orderSk('€'.repeat(338), 'WO-1'), 1014 + 'ORDER#WO-1#'.length],
      [() => recordSk('GS1', '😀'.repeat(300)), 1200 + 'RECORD##GS1'.length],
      [() => recordsOfOrderPk('F', 'GS1', '#'.repeat(700)), 2100 + 'FAC#F#ORDER#GS1#'.length],
    ];
    for (const [build, bytes] of cases) {
      assert.throws(build, (e: unknown) => e instanceof HubError && e.kind === 'invalid-input' && e.message.includes(`${bytes} bytes`));
    }
    assert.equal(orderSk('A'.repeat(1024 - 'ORDER#WO-1#'.length), 'WO-1').length, 1024, 'exactly at the limit fits');
  });
});
