/**
 * `npm run deploy`: the cdk command line built from ours, without running cdk (AWS cannot run
 * here). planDeploy is pure apart from reading the customers file, which most tests inject.
 */

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'vitest';
import { type Customer, CustomersFileError, DEFAULT_CUSTOMERS_FILE, loadCustomers } from '../../infra/customers.ts';
import { DeployUsageError, planDeploy, shellLine } from '../../infra/deploy-cli.ts';
import { EXAMPLE_CUSTOMERS_FILE, PROJECT_ROOT } from './support.ts';

const EXAMPLE = loadCustomers(EXAMPLE_CUSTOMERS_FILE);
const NO_ENV = {};

/** A loader that records which file was asked for and answers with the example customers. */
function recordingLoader(): { load: (file: string) => Customer[]; files: string[] } {
  const files: string[] = [];
  return {
    files,
    load: (file) => {
      files.push(file);
      return EXAMPLE.map((c) => structuredClone(c));
    },
  };
}

test('one customer: its stack by name, -c customer=NAME, the customers file, approval of broadening changes', () => {
  const { load, files } = recordingLoader();
  const plan = planDeploy(['prairie-feed'], NO_ENV, load);
  assert.deepEqual(files, [DEFAULT_CUSTOMERS_FILE]);
  assert.deepEqual(
    plan.customers.map((c) => c.name),
    ['prairie-feed'],
  );
  assert.deepEqual(plan.cdkArgs, [
    'deploy',
    'MixTicketHub-prairie-feed',
    '-c',
    'customer=prairie-feed',
    '-c',
    `customersFile=${DEFAULT_CUSTOMERS_FILE}`,
    '--require-approval',
    'broadening',
  ]);
  assert.equal(plan.dryRun, false);
});

test('--all: every stack of the customers file', () => {
  const plan = planDeploy(['--all'], NO_ENV, recordingLoader().load);
  assert.deepEqual(
    plan.customers.map((c) => c.name),
    ['acme-blending', 'prairie-feed'],
  );
  assert.deepEqual(plan.cdkArgs, ['deploy', '--all', '-c', `customersFile=${DEFAULT_CUSTOMERS_FILE}`, '--require-approval', 'broadening']);
});

test('flags after -- go to cdk deploy unchanged; an explicit --require-approval replaces the default', () => {
  const plan = planDeploy(
    ['acme-blending', '--', '--profile', 'acme', '--hotswap-fallback', '-c', 'extra=1'],
    NO_ENV,
    recordingLoader().load,
  );
  assert.deepEqual(plan.cdkArgs, [
    'deploy',
    'MixTicketHub-acme-blending',
    '-c',
    'customer=acme-blending',
    '-c',
    `customersFile=${DEFAULT_CUSTOMERS_FILE}`,
    '--require-approval',
    'broadening',
    '--profile',
    'acme',
    '--hotswap-fallback',
    '-c',
    'extra=1',
  ]);

  for (const flags of [['--require-approval', 'never'], ['--require-approval=any-change']]) {
    const args = planDeploy(['--all', '--', ...flags], NO_ENV, recordingLoader().load).cdkArgs;
    assert.equal(args.filter((a) => a.startsWith('--require-approval')).length, 1, args.join(' '));
    assert.ok(!args.includes('broadening'), args.join(' '));
    assert.deepEqual(args.slice(-flags.length), flags);
  }
});

test('another customers file: -c customersFile=F (any spelling), else MIXTICKET_CUSTOMERS_FILE; -c wins', () => {
  for (const argv of [
    ['acme-blending', '-c', 'customersFile=ops/customers.json'],
    ['-c', 'customersFile=ops/customers.json', 'acme-blending'],
    ['acme-blending', '--context', 'customersFile=ops/customers.json'],
    ['acme-blending', '--context=customersFile=ops/customers.json'],
    ['acme-blending', '-c=customersFile=ops/customers.json'],
  ]) {
    const { load, files } = recordingLoader();
    const plan = planDeploy(argv, { MIXTICKET_CUSTOMERS_FILE: 'env/customers.json' }, load);
    assert.deepEqual(files, ['ops/customers.json'], argv.join(' '));
    assert.ok(plan.cdkArgs.includes('customersFile=ops/customers.json'), argv.join(' '));
  }
  const { load, files } = recordingLoader();
  const plan = planDeploy(['--all'], { MIXTICKET_CUSTOMERS_FILE: 'env/customers.json' }, load);
  assert.deepEqual(files, ['env/customers.json']);
  assert.ok(plan.cdkArgs.includes('customersFile=env/customers.json'), 'the app reads the same file');
});

test('the customer name is checked against the customers file before anything runs', () => {
  assert.throws(
    () => planDeploy(['acme'], NO_ENV, recordingLoader().load),
    (e: unknown) => e instanceof DeployUsageError && /unknown customer "acme" in .*; known: acme-blending, prairie-feed/.test(e.message),
  );
});

test('an invalid customers file stops the deployment with its findings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-cli-'));
  try {
    const file = join(dir, 'customers.json');
    const json = { customers: EXAMPLE.map((c) => structuredClone(c) as unknown as Record<string, unknown>) };
    json.customers[1]!.regoin = 'eu-west-1';
    writeFileSync(file, JSON.stringify(json));
    assert.throws(
      () => planDeploy(['acme-blending', '-c', `customersFile=${file}`], NO_ENV),
      (e: unknown) => {
        assert.ok(e instanceof CustomersFileError);
        assert.match(e.message, /"prairie-feed"\.regoin: unknown field/);
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('command lines that cannot mean one thing are refused', () => {
  const cases: Array<[string[], RegExp]> = [
    [[], /name a customer, or give --all/],
    [['--all', 'acme-blending'], /not both/],
    [['acme-blending', 'prairie-feed'], /one customer at a time/],
    [['acme-blending', '--profile', 'x'], /unknown option --profile; flags for cdk deploy go after --/],
    [['-c', 'customer=acme-blending'], /name the customer as the first argument/],
    [['acme-blending', '-c', 'stage=prod'], /unknown context stage/],
    [['acme-blending', '-c'], /-c needs key=value/],
    [['acme-blending', '-c', 'customersFile'], /needs key=value/],
    [['acme-blending', '--', '-c', 'customer=prairie-feed'], /-c customer=\.\.\. is set by deploy itself/],
    [['acme-blending', '--', '--context', 'customersFile=x.json'], /-c customersFile=\.\.\. is set by deploy itself; give it before --/],
    [['acme-blending', '--', '--all'], /--all goes before --/],
  ];
  for (const [argv, message] of cases) {
    assert.throws(
      () => planDeploy(argv, NO_ENV, recordingLoader().load),
      (e: unknown) => e instanceof DeployUsageError && message.test(e.message),
      `${JSON.stringify(argv)} → ${message}`,
    );
  }
  assert.throws(
    () => planDeploy(['--help'], NO_ENV, recordingLoader().load),
    (e: unknown) => e instanceof DeployUsageError && e.message === '',
  );
});

test('--dry-run plans without running', () => {
  assert.equal(planDeploy(['--dry-run', 'acme-blending'], NO_ENV, recordingLoader().load).dryRun, true);
});

test('the printed command line is shell-readable', () => {
  assert.equal(shellLine('cdk', ['deploy', '-c', 'customer=acme-blending']), 'cdk deploy -c customer=acme-blending');
  assert.equal(shellLine('cdk', ['-c', 'customersFile=my customers.json', "it's"]), `cdk -c 'customersFile=my customers.json' 'it'\\''s'`);
});

test('the CLI prints what it would run (--dry-run) and exits 2 on a usage error', () => {
  const cli = resolve(PROJECT_ROOT, 'infra/deploy-cli.ts');
  const env = { ...process.env, MIXTICKET_CUSTOMERS_FILE: '' };
  const out = execFileSync(process.execPath, [cli, 'acme-blending', '--dry-run', '--', '--profile', 'acme'], {
    cwd: PROJECT_ROOT,
    env,
    encoding: 'utf8',
  });
  assert.match(out, /customers file infra\/customers\.example\.json/);
  assert.match(out, /acme-blending → stack MixTicketHub-acme-blending in 111111111111 \/ us-east-1/);
  assert.match(
    out,
    /\$ cdk deploy MixTicketHub-acme-blending -c customer=acme-blending -c customersFile=infra\/customers\.example\.json --require-approval broadening --profile acme\n$/,
  );
  assert.throws(
    () => execFileSync(process.execPath, [cli, 'nobody', '--dry-run'], { cwd: PROJECT_ROOT, env, encoding: 'utf8', stdio: 'pipe' }),
    (e: { status: number; stderr: string }) => e.status === 2 && /unknown customer "nobody"/.test(e.stderr) && /usage:/.test(e.stderr),
  );
});
