/** The pure rules of push delivery: refused addresses, URL forms, the retry schedule, verdicts. */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { HubError } from '../../functions/domain/errors.ts';
import {
  bodyDigest,
  checkWebhookUrl,
  judgeAttempt,
  messageId,
  newWebhookSecret,
  parseRetryAfter,
  pickAddress,
  refusedAddress,
  retryDelay,
  truncateUtf8,
} from '../../functions/domain/webhooks.ts';
import { parseDuration, parseDurationList, WEBHOOK_SETTINGS } from '../../functions/shared/config.ts';

const AWS = { allowLocal: false };
const LOCAL = { allowLocal: true };

describe('addresses a webhook may not reach on AWS', () => {
  test.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '::1',
    '::',
    'fd00:ec2::254',
    'fc00::1',
    'fe80::1',
    'febf::1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::10.0.0.1',
    '64:ff9b::10.0.0.1',
    '224.0.0.1',
    'ff02::1',
  ])('%s is refused', (ip) => {
    assert.ok(refusedAddress(ip), ip);
  });

  test.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '169.253.1.1'])(
    '%s is allowed',
    (ip) => {
      assert.equal(refusedAddress(ip), null);
    },
  );

  test('a name is refused when any of its addresses is', () => {
    assert.throws(() => pickAddress('h.example', ['8.8.8.8', '10.0.0.1'], AWS), HubError);
    assert.throws(() => pickAddress('h.example', [], AWS), HubError);
    assert.equal(pickAddress('h.example', ['8.8.8.8', '1.1.1.1'], AWS), '8.8.8.8');
    assert.equal(pickAddress('localhost', ['127.0.0.1'], LOCAL), '127.0.0.1');
  });
});

describe('subscription URLs', () => {
  const refused = (url: string, rules = AWS) => {
    try {
      checkWebhookUrl(url, rules);
    } catch (e) {
      assert.ok(e instanceof HubError && e.kind === 'invalid-input');
      assert.equal(e.errors?.[0]?.path, '/url');
      return true;
    }
    return false;
  };

  test('on AWS: https only, no loopback, private or metadata literals, no credentials', () => {
    for (const url of [
      'http://example.com/hook',
      'https://127.0.0.1/hook',
      'https://[::1]/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[fd00:ec2::254]/',
      'https://[::ffff:10.0.0.1]/',
      'https://localhost/hook',
      'https://user:pw@example.com/',
      'https://example.com/#frag',
      'ftp://example.com/',
      'not a url',
      `https://example.com/${'a'.repeat(2100)}`,
    ]) {
      assert.ok(refused(url), url);
    }
    assert.equal(checkWebhookUrl('https://erp.example.com/hooks/mixticket?x=1', AWS).hostname, 'erp.example.com');
  });

  test('CR, LF, tab, NUL, spaces and port 0 are refused as sent, never rewritten (issue 24, finding 7)', () => {
    for (const url of [
      'https://erp.example.com/hook\r\nX-Injected: 1',
      'https://erp.example.com/ho\nok',
      'https://erp.example.com/ho\tok',
      'https://erp.example.com/hook\u0000',
      'https://erp.exam\u0000ple.com/hook',
      ' https://erp.example.com/hook',
      'https://erp.example.com/hook ',
      'https://erp.example.com/a b',
      'https://erp.example.com/\u007f',
      'https://erp.example.com:0/hook',
      'https://erp.example.com:00/hook',
    ]) {
      assert.ok(refused(url), JSON.stringify(url));
      assert.ok(refused(url, LOCAL), JSON.stringify(url));
    }
    assert.equal(checkWebhookUrl('https://erp.example.com:8443/hook', AWS).port, '8443');
  });

  test('locally http and loopback are allowed', () => {
    assert.equal(refused('http://127.0.0.1:9999/hook', LOCAL), false);
    assert.equal(refused('http://localhost:9999/hook', LOCAL), false);
    assert.ok(refused('ftp://127.0.0.1/', LOCAL));
  });
});

describe('retry schedule', () => {
  test('durations', () => {
    assert.equal(parseDuration('5s'), 5000);
    assert.equal(parseDuration('3d'), 3 * 86_400_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('5'), null);
    assert.deepEqual(parseDurationList('1s,2s,4s'), [1000, 2000, 4000]);
    assert.equal(parseDurationList('1s,,2s'), null);
  });

  test('the default schedule lasts at least 24 hours, and jitter only lengthens it', () => {
    const schedule = parseDurationList(WEBHOOK_SETTINGS.retrySchedule)!;
    const total = schedule.reduce((a, b) => a + b, 0);
    assert.ok(total >= 24 * 3600_000, `${total / 3600_000} h`);
    const least = schedule.reduce((sum, _, n) => sum + retryDelay(schedule, n, 0, null)!, 0);
    assert.equal(least, total);
    assert.equal(retryDelay(schedule, 0, 1, null), 6000);
    assert.equal(retryDelay(schedule, schedule.length, 0.5, null), null);
  });

  test('Retry-After lengthens a wait up to the longest step, never shortens it', () => {
    const schedule = [1000, 5000];
    assert.equal(retryDelay(schedule, 0, 0, 3000), 3000);
    assert.equal(retryDelay(schedule, 0, 0, 60_000), 5000);
    assert.equal(retryDelay(schedule, 1, 0, 10), 5000);
    assert.equal(parseRetryAfter('7', 0), 7000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 1970 00:00:10 GMT', 4000), 6000);
    assert.equal(parseRetryAfter('soon', 0), null);
  });
});

describe('the verdict on an attempt', () => {
  const base = {
    retries: 0,
    schedule: [1000, 2000],
    failingSince: 0,
    disableAfterMs: 3 * 86_400_000,
    now: 10_000,
    random: 0,
    retryAfterMs: null,
  };
  const attempt = (status: number | null) => ({
    at: '',
    webhookId: 'msg_1',
    status,
    error: status === null ? 'timeout' : null,
    ms: 1,
    response: null,
  });

  test('2xx delivered, 410 disables, else retry on the schedule, then failed', () => {
    assert.deepEqual(judgeAttempt({ ...base, attempt: attempt(204) }), { kind: 'delivered' });
    assert.equal(judgeAttempt({ ...base, attempt: attempt(410) }).kind, 'disable');
    assert.deepEqual(judgeAttempt({ ...base, attempt: attempt(500) }), { kind: 'retry', at: 11_000 });
    assert.deepEqual(judgeAttempt({ ...base, attempt: attempt(null), retries: 1 }), { kind: 'retry', at: 12_000 });
    assert.deepEqual(judgeAttempt({ ...base, attempt: attempt(500), retries: 2 }), { kind: 'failed' });
  });

  test('Retry-After counts on 429 and 503 only', () => {
    assert.deepEqual(judgeAttempt({ ...base, attempt: attempt(429), retryAfterMs: 2000 }), { kind: 'retry', at: 12_000 });
    assert.deepEqual(judgeAttempt({ ...base, attempt: attempt(503), retryAfterMs: 2000 }), { kind: 'retry', at: 12_000 });
    assert.deepEqual(judgeAttempt({ ...base, attempt: attempt(500), retryAfterMs: 2000 }), { kind: 'retry', at: 11_000 });
  });

  test('failing without a break for WEBHOOK_DISABLE_AFTER disables', () => {
    const v = judgeAttempt({ ...base, attempt: attempt(500), failingSince: 0, now: base.disableAfterMs });
    assert.equal(v.kind, 'disable');
  });
});

test('secrets are whsec_ and 32 random bytes; log text is cut on a character boundary', () => {
  const s = newWebhookSecret();
  assert.match(s, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(Buffer.from(s.slice(6), 'base64').length, 32);
  assert.notEqual(newWebhookSecret(), s);
  assert.equal(truncateUtf8('ééé', 3), 'é');
  assert.equal(truncateUtf8('abc', 10), 'abc');
});

describe('a webhook-id names one body', () => {
  const sub = { subscriptionId: 'sub_0123456789abcdef01234567', replays: 0 };
  const fresh = { webhookId: '', bodyHash: null, lower: '2026-01-01T00:00:00.000Z#A#1' };
  const body = bodyDigest('{"a":[1,2]}');
  test('the id is derived from the subscription, its replays, where the delivery starts and the body: the same body goes out under the same id', () => {
    const id = messageId(sub, fresh, body);
    assert.match(id, /^msg_[0-9a-f]{24}$/);
    assert.equal(messageId(sub, fresh, body), id, 'sent again before anything was written: the same id');
    assert.equal(messageId(sub, { ...fresh, webhookId: id, bodyHash: body }, body), id, 'a retry of the same body');
    assert.notEqual(messageId(sub, fresh, bodyDigest('{"a":[2]}')), id, 'another body, another id');
    assert.notEqual(messageId({ ...sub, replays: 1 }, fresh, body), id, 'after a replay, new ids');
    assert.notEqual(messageId(sub, { ...fresh, lower: '2026-01-01T00:00:01.000Z#A#1' }, body), id, 'another place in the stream');
    assert.notEqual(messageId({ ...sub, subscriptionId: 'sub_0123456789abcdef01234568' }, fresh, body), id, 'another subscription');
  });

  test('a delivery stored before ids were derived keeps its id for the body it names, and only for that body', () => {
    const old = { ...fresh, webhookId: 'msg_old', bodyHash: body };
    assert.equal(messageId(sub, old, body), 'msg_old');
    assert.equal(messageId(sub, old, bodyDigest('{"a":[2]}')), messageId(sub, fresh, bodyDigest('{"a":[2]}')));
    assert.notEqual(messageId(sub, { ...old, bodyHash: null }, body), 'msg_old', 'which body it named is unknown: a new id');
  });

  test('the digest tells bodies apart by every byte', () => {
    assert.equal(bodyDigest('{"a":"é"}'), bodyDigest('{"a":"é"}'));
    assert.notEqual(bodyDigest('{"a":1}'), bodyDigest('{"a":1} '));
  });
});
