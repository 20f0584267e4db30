/** The customers file: strict validation with messages naming the customer and the field. */

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'vitest';
import {
  type Customer,
  CustomersFileError,
  customersFileFor,
  DEFAULT_CUSTOMERS_FILE,
  loadCustomers,
  parseCustomers,
  selectCustomers,
} from '../../infra/customers.ts';
import { EXAMPLE_CUSTOMERS_FILE } from './support.ts';

const example = (): { customers: Array<Record<string, any>> } => JSON.parse(readFileSync(EXAMPLE_CUSTOMERS_FILE, 'utf8'));

/** The example file with `edit` applied to a deep copy. */
function withEdit(edit: (file: { customers: Array<Record<string, any>> }) => void): unknown {
  const file = example();
  edit(file);
  return file;
}

/** Asserts that parsing fails and that one problem matches each of `expected`. */
function assertProblems(json: unknown, ...expected: RegExp[]): void {
  assert.throws(
    () => parseCustomers(json),
    (error: unknown) => {
      assert.ok(error instanceof CustomersFileError, `expected CustomersFileError, got ${String(error)}`);
      for (const pattern of expected) {
        const problem = error.problems.find((p) => pattern.test(p));
        assert.ok(problem, `no problem matches ${pattern}; got:\n${error.problems.join('\n')}`);
        assert.ok(error.message.includes(`\n  - ${problem}`), 'the message lists every problem, one per line');
      }
      return true;
    },
  );
}

test('the example file is valid: two customers in different regions', () => {
  const customers = loadCustomers(EXAMPLE_CUSTOMERS_FILE);
  assert.deepEqual(
    customers.map((c) => [c.name, c.region]),
    [
      ['acme-blending', 'us-east-1'],
      ['prairie-feed', 'ca-central-1'],
    ],
  );
  assert.ok(customers[0]?.domain, 'one example shows the optional custom domain');
  assert.equal(customers[1]?.domain, undefined, 'one example has none');
});

test('parseCustomers returns copies, not the input objects', () => {
  const json = example();
  const [first] = parseCustomers(json) as [Customer];
  first.throttle.rateLimit = 1;
  assert.notEqual(json.customers[0]?.throttle.rateLimit, 1);
});

test('an unknown field is an error naming the customer and the field', () => {
  assertProblems(
    withEdit((f) => {
      f.customers[0]!.logRetentionDay = 30;
    }),
    /^customers\[0\] "acme-blending"\.logRetentionDay: unknown field/,
  );
});

test('an unknown nested field is an error too (a typo must not deploy defaults)', () => {
  assertProblems(
    withEdit((f) => {
      f.customers[1]!.poll.pagesize = 10;
    }),
    /^customers\[1\] "prairie-feed"\.poll\.pagesize: unknown field/,
  );
  assertProblems({ customers: example().customers, extra: true }, /^\(file\)\.extra: unknown field/);
});

test('a missing required field is an error', () => {
  assertProblems(
    withEdit((f) => {
      delete f.customers[0]!.alarmEmail;
    }),
    /"acme-blending"\.alarmEmail: is required/,
  );
});

test('the account must be 12 digits, as a string', () => {
  for (const account of ['12345678901', '1234567890123', 'abcdefghijkl', 123456789012]) {
    assertProblems(
      withEdit((f) => {
        f.customers[0]!.account = account;
      }),
      /"acme-blending"\.account: must be a 12-digit AWS account id/,
    );
  }
});

test('the region must look like an AWS region', () => {
  for (const region of ['us-east1', 'US-EAST-1', 'useast-1', '']) {
    assertProblems(
      withEdit((f) => {
        f.customers[1]!.region = region;
      }),
      /"prairie-feed"\.region: must be an AWS region/,
    );
  }
  for (const region of ['eu-west-3', 'ap-southeast-2', 'us-gov-west-1', 'il-central-1']) {
    const json = withEdit((f) => {
      f.customers[1]!.region = region;
    });
    assert.equal(parseCustomers(json)[1]?.region, region);
  }
});

test('names and stack names must be unique', () => {
  assertProblems(
    withEdit((f) => {
      f.customers[1]!.name = 'acme-blending';
    }),
    /customers\[1\] "acme-blending"\.name: duplicate name "acme-blending" \(already used by customers\[0\]\)/,
  );
  assertProblems(
    withEdit((f) => {
      f.customers[1]!.stackName = f.customers[0]!.stackName;
    }),
    /customers\[1\] "prairie-feed"\.stackName: duplicate stackName/,
  );
});

test('the name is a kebab-case id and the stack name a CloudFormation name', () => {
  assertProblems(
    withEdit((f) => {
      f.customers[0]!.name = 'Acme_Blending';
    }),
    /\.name: must be a kebab-case id/,
  );
  assertProblems(
    withEdit((f) => {
      f.customers[0]!.stackName = '1-hub';
    }),
    /\.stackName: must be a CloudFormation stack name/,
  );
});

test('logRetentionDays must be a value CloudWatch Logs accepts', () => {
  assertProblems(
    withEdit((f) => {
      f.customers[0]!.logRetentionDays = 42;
    }),
    /"acme-blending"\.logRetentionDays: must be one of 1, 3, 5, .* 3653 .* got 42/,
  );
});

test('throttle limits are positive integers', () => {
  for (const bad of [0, -1, 1.5, '10']) {
    assertProblems(
      withEdit((f) => {
        f.customers[0]!.throttle.rateLimit = bad;
        f.customers[0]!.throttle.burstLimit = bad;
      }),
      /"acme-blending"\.throttle\.rateLimit: must be an integer >= 1/,
      /"acme-blending"\.throttle\.burstLimit: must be an integer >= 1/,
    );
  }
});

test('poll settings stay within what the functions accept', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['settleMs', -1, /\.poll\.settleMs: must be an integer from 0 to 60000/],
    ['settleMs', 60_001, /\.poll\.settleMs: must be an integer from 0 to 60000/],
    ['pageSize', 0, /\.poll\.pageSize: must be an integer from 1 to 1000/],
    ['pageSize', 1001, /\.poll\.pageSize: must be an integer from 1 to 1000/],
    ['maxBytes', 99_999, /\.poll\.maxBytes: must be an integer from 100000 to 5500000/],
    ['maxBytes', 5_500_001, /\.poll\.maxBytes: must be an integer from 100000 to 5500000/],
  ];
  for (const [key, value, pattern] of cases) {
    assertProblems(
      withEdit((f) => {
        f.customers[1]!.poll[key] = value;
      }),
      pattern,
    );
  }
  const bounds = withEdit((f) => {
    f.customers[0]!.poll = { settleMs: 0, pageSize: 1, maxBytes: 100_000 };
    f.customers[1]!.poll = { settleMs: 60_000, pageSize: 1000, maxBytes: 5_500_000 };
  });
  assert.equal(parseCustomers(bounds).length, 2, 'the bounds themselves are accepted');
});

test("the custom domain needs a certificate in the customer's own region and account", () => {
  assertProblems(
    withEdit((f) => {
      f.customers[0]!.domain.certificateArn = f.customers[0]!.domain.certificateArn.replace(':us-east-1:', ':eu-west-1:');
    }),
    /"acme-blending"\.domain\.certificateArn: must be a certificate in the customer's region us-east-1, got one in eu-west-1/,
  );
  assertProblems(
    withEdit((f) => {
      f.customers[0]!.domain.certificateArn = f.customers[0]!.domain.certificateArn.replace(':111111111111:', ':333333333333:');
    }),
    /"acme-blending"\.domain\.certificateArn: must be a certificate in the customer's account 111111111111/,
  );
  assertProblems(
    withEdit((f) => {
      f.customers[0]!.domain.name = 'https://hub.example.com';
    }),
    /"acme-blending"\.domain\.name: must be a lower-case DNS name/,
  );
});

test('every problem is reported at once', () => {
  assertProblems(
    withEdit((f) => {
      f.customers[0]!.account = '1';
      f.customers[1]!.region = 'nowhere';
      f.customers[1]!.alarmEmail = 'not-an-email';
    }),
    /"acme-blending"\.account/,
    /"prairie-feed"\.region/,
    /"prairie-feed"\.alarmEmail/,
  );
});

test('the file needs a non-empty customers array', () => {
  assertProblems({ customers: [] }, /^customers: must be a non-empty array/);
  assertProblems([], /^\(file\): must be an object/);
  assertProblems({}, /^\(file\)\.customers: is required/);
});

test('loadCustomers names the file when it cannot be read or parsed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'customers-'));
  try {
    assert.throws(() => loadCustomers(join(dir, 'missing.json')), /cannot read customers file .*missing\.json/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"customers": [');
    assert.throws(() => loadCustomers(broken), /customers file .*broken\.json is not valid JSON/);
    const invalid = join(dir, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ customers: [{ name: 'x' }] }));
    assert.throws(() => loadCustomers(invalid), /invalid customers file .*invalid\.json/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('selectCustomers: all by default, one by name, an unknown name is an error listing the known ones', () => {
  const customers = loadCustomers(EXAMPLE_CUSTOMERS_FILE);
  assert.equal(selectCustomers(customers).length, 2);
  assert.equal(selectCustomers(customers, '').length, 2);
  assert.deepEqual(
    selectCustomers(customers, 'prairie-feed').map((c) => c.name),
    ['prairie-feed'],
  );
  assert.throws(() => selectCustomers(customers, 'acme'), /unknown customer "acme" .*known: acme-blending, prairie-feed/);
});

test('the customers file: -c customersFile, else MIXTICKET_CUSTOMERS_FILE, else the committed example', () => {
  assert.equal(customersFileFor('ops/customers.json', { MIXTICKET_CUSTOMERS_FILE: 'env.json' }), 'ops/customers.json');
  assert.equal(customersFileFor(undefined, { MIXTICKET_CUSTOMERS_FILE: 'env.json' }), 'env.json');
  assert.equal(customersFileFor('', { MIXTICKET_CUSTOMERS_FILE: '' }), DEFAULT_CUSTOMERS_FILE);
  assert.equal(customersFileFor(undefined, {}), 'infra/customers.example.json');
  const cdkJson = JSON.parse(readFileSync(join(import.meta.dirname, '../../cdk.json'), 'utf8')) as { context: Record<string, unknown> };
  assert.equal(
    cdkJson.context.customersFile,
    undefined,
    'cdk.json names no customers file, so that MIXTICKET_CUSTOMERS_FILE is not overridden',
  );
});
