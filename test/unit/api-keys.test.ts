import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'vitest';
import {
  type ApiKeyRecord,
  generateKey,
  keyMatches,
  lastUseDue,
  type NewKeySpec,
  parseKey,
  validateKeySpec,
} from '../../functions/domain/api-keys.ts';
import { HubError } from '../../functions/domain/errors.ts';

const NOW = new Date('2026-11-21T08:30:00.000Z');
const SPEC: NewKeySpec = { role: 'pcs', facilities: ['plant-7'], name: 'Plant 7 blender' };

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

function secretOf(key: string): string {
  const parsed = parseKey(key);
  assert.ok(parsed, `generated key ${key} does not parse`);
  return parsed.secret;
}

function specRejected(spec: NewKeySpec): HubError {
  try {
    validateKeySpec(spec);
  } catch (e) {
    assert.ok(e instanceof HubError);
    assert.equal(e.kind, 'invalid-input');
    return e;
  }
  assert.fail(`spec ${JSON.stringify(spec)} was accepted`);
}

describe('generateKey', () => {
  test('makes a key of the form mtk_<12 hex>_<43 base64url>', () => {
    const { key } = generateKey(SPEC, NOW);

    assert.match(key, /^mtk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  });

  test("the record's keyId is the key's id part", () => {
    const { key, record } = generateKey(SPEC, NOW);

    assert.equal(record.keyId, key.slice(4, 16));
  });

  test('the record keeps the SHA-256 hex of the secret', () => {
    const { key, record } = generateKey(SPEC, NOW);

    assert.match(record.secretHash, /^[0-9a-f]{64}$/);
    assert.equal(record.secretHash, sha256(secretOf(key)));
  });

  test('the record never contains the secret or the key', () => {
    const { key, record } = generateKey(SPEC, NOW);

    const stored = JSON.stringify(record);

    assert.ok(!stored.includes(secretOf(key)));
    assert.ok(!stored.includes(key));
  });

  test('the record carries the validated spec, the creation time and no revocation', () => {
    const { record } = generateKey({ role: 'erp', facilities: ['a', 'a', 'b'], name: '  ERP  ' }, NOW);

    const { keyId: _keyId, secretHash: _secretHash, ...rest } = record;
    assert.deepEqual(rest, {
      name: 'ERP',
      role: 'erp',
      facilities: ['a', 'b'],
      format: 'canonical',
      timeZone: null,
      createdAt: '2026-11-21T08:30:00.000Z',
      revokedAt: null,
    });
  });

  test('two keys never share id or secret', () => {
    const a = generateKey(SPEC, NOW);
    const b = generateKey(SPEC, NOW);

    assert.notEqual(a.record.keyId, b.record.keyId);
    assert.notEqual(secretOf(a.key), secretOf(b.key));
  });

  test('an invalid spec makes no key', () => {
    assert.throws(() => generateKey({ role: 'pcs', facilities: [] }, NOW), HubError);
  });
});

describe('parseKey', () => {
  const id = '0123456789ab';
  const secret = `${'A'.repeat(21)}_-${'z9'.repeat(10)}`;

  test('splits a well-formed key into id and secret', () => {
    assert.deepEqual(parseKey(`mtk_${id}_${secret}`), { keyId: id, secret });
  });

  test('ignores whitespace around the key (a pasted header value)', () => {
    assert.deepEqual(parseKey(` mtk_${id}_${secret}\n`), { keyId: id, secret });
  });

  const malformed: [string, string | undefined][] = [
    ['no key', undefined],
    ['the empty string', ''],
    ['another prefix', `mtx_${id}_${secret}`],
    ['an uppercase key id', `mtk_${id.toUpperCase()}_${secret}`],
    ['an 11-character key id', `mtk_${id.slice(1)}_${secret}`],
    ['a 42-character secret', `mtk_${id}_${secret.slice(1)}`],
    ['a 44-character secret', `mtk_${id}_${secret}A`],
    ['a base64 (not base64url) secret', `mtk_${id}_${secret.slice(2)}+/`],
    ['a padded secret', `mtk_${id}_${secret.slice(1)}=`],
    ['a key id alone', `mtk_${id}`],
  ];
  for (const [what, presented] of malformed) {
    test(`rejects ${what}`, () => {
      assert.equal(parseKey(presented), null);
    });
  }
});

describe('keyMatches', () => {
  function issued(): { record: ApiKeyRecord; secret: string } {
    const { key, record } = generateKey(SPEC, NOW);
    return { record, secret: secretOf(key) };
  }

  test('is true for the secret the key was made with', () => {
    const { record, secret } = issued();

    assert.equal(keyMatches(record, secret), true);
  });

  test('is false for another secret', () => {
    const { record } = issued();

    assert.equal(keyMatches(record, secretOf(generateKey(SPEC, NOW).key)), false);
  });

  test('is false for the right secret of a revoked key', () => {
    const { record, secret } = issued();

    assert.equal(keyMatches({ ...record, revokedAt: '2026-11-22T00:00:00.000Z' }, secret), false);
  });

  test('is false, without throwing, when the stored hash is damaged', () => {
    const { record, secret } = issued();

    assert.equal(keyMatches({ ...record, secretHash: record.secretHash.slice(0, 40) }, secret), false);
  });
});

describe('lastUseDue', () => {
  test('a key with no last use, or one older than the interval, is written; a fresh one is not', () => {
    const now = Date.parse('2026-06-01T12:00:00.000Z');
    assert.equal(lastUseDue({ lastUsedAt: null }, now, 60_000), true);
    assert.equal(lastUseDue({ lastUsedAt: '2026-06-01T11:58:59.000Z' }, now, 60_000), true);
    assert.equal(lastUseDue({ lastUsedAt: '2026-06-01T11:59:30.000Z' }, now, 60_000), false);
  });
});

describe('validateKeySpec', () => {
  test("accepts '*' (every facility) for an erp key", () => {
    assert.deepEqual(validateKeySpec({ role: 'erp', facilities: ['*'] }).facilities, ['*']);
  });

  test("rejects '*' for a pcs key", () => {
    specRejected({ role: 'pcs', facilities: ['*'] });
  });

  test("accepts an operator key, of a facility list or of every facility ('*')", () => {
    assert.equal(validateKeySpec({ role: 'operator', facilities: ['plant-7'] }).role, 'operator');
    assert.deepEqual(validateKeySpec({ role: 'operator', facilities: ['*'] }).facilities, ['*']);
  });

  test('rejects a role that is none of erp, pcs, operator, naming them', () => {
    assert.match(specRejected({ role: 'admin', facilities: ['plant-7'] }).message, /erp, pcs, operator/);
  });

  test('rejects an invalid facility id, naming it', () => {
    const error = specRejected({ role: 'pcs', facilities: ['plant-7', 'a/b'] });

    assert.match(error.message, /"a\/b"/);
  });

  test('rejects a key without facilities', () => {
    specRejected({ role: 'erp', facilities: [] });
  });

  test('rejects a role other than erp or pcs', () => {
    specRejected({ role: 'admin', facilities: ['plant-7'] });
  });

  test('accepts the legacy format', () => {
    assert.equal(validateKeySpec({ ...SPEC, format: 'legacy' }).format, 'legacy');
  });

  test('defaults to the canonical format', () => {
    assert.equal(validateKeySpec(SPEC).format, 'canonical');
  });

  test('rejects an unknown format', () => {
    specRejected({ ...SPEC, format: 'xml' });
  });

  test('removes duplicate facilities, keeping their order', () => {
    assert.deepEqual(validateKeySpec({ role: 'pcs', facilities: ['b', 'a', 'b', 'a'] }).facilities, ['b', 'a']);
  });

  test('rejects a name longer than 200 characters', () => {
    specRejected({ ...SPEC, name: 'n'.repeat(201) });
  });

  test('trims the name and defaults it to empty', () => {
    assert.equal(validateKeySpec({ ...SPEC, name: '  Blender  ' }).name, 'Blender');
    assert.equal(validateKeySpec({ role: 'pcs', facilities: ['p'] }).name, '');
  });
});
