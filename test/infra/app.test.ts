/**
 * infra/app.ts as the CDK CLI runs it (context through CDK_CONTEXT_JSON, output to CDK_OUTDIR),
 * with bundling skipped: which stacks it builds from which customers file, and that an invalid
 * customers file builds nothing at all. (Both example stacks are built by hub-stack.test.ts
 * through the same addHubStacks, and by `npm run synth`.)
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, test } from 'vitest';
import { cdkContext, EXAMPLE_CUSTOMERS_FILE, PROJECT_ROOT } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'hub-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let runs = 0;

/** Runs the app; returns its exit status, stderr and the stacks of the cloud assembly. */
function synth(context: Record<string, unknown>, env: Record<string, string> = {}) {
  const outdir = join(dir, `out-${runs++}`);
  const result = spawnSync(process.execPath, [resolve(PROJECT_ROOT, 'infra/app.ts')], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      MIXTICKET_CUSTOMERS_FILE: '',
      ...env,
      CDK_OUTDIR: outdir,
      CDK_CONTEXT_JSON: JSON.stringify(cdkContext({ 'aws:cdk:bundling-stacks': [], ...context })),
    },
  });
  let stacks: string[] = [];
  try {
    stacks = readdirSync(outdir)
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => f.replace('.template.json', ''))
      .sort();
  } catch {
    // nothing synthesized
  }
  return { status: result.status, stderr: result.stderr, stacks };
}

test('another customers file through -c customersFile, one customer of it through -c customer', () => {
  const example = JSON.parse(readFileSync(EXAMPLE_CUSTOMERS_FILE, 'utf8')) as { customers: Array<Record<string, any>> };
  const file = join(dir, 'two.json');
  const northMill = { ...example.customers[1], name: 'north-mill', stackName: 'MixTicketHub-north-mill' };
  writeFileSync(file, JSON.stringify({ customers: [example.customers[0], northMill] }));
  const one = synth({ customersFile: file, customer: 'north-mill' });
  assert.equal(one.status, 0, one.stderr);
  assert.deepEqual(one.stacks, ['MixTicketHub-north-mill']);
});

test('MIXTICKET_CUSTOMERS_FILE names the file too; a typo in it builds nothing', () => {
  const example = JSON.parse(readFileSync(EXAMPLE_CUSTOMERS_FILE, 'utf8')) as { customers: Array<Record<string, any>> };
  const typo = join(dir, 'typo.json');
  writeFileSync(typo, JSON.stringify({ customers: [{ ...example.customers[1], alarmEmial: 'x@example.com' }] }));
  const failed = synth({}, { MIXTICKET_CUSTOMERS_FILE: typo });
  assert.notEqual(failed.status, 0);
  assert.match(failed.stderr, /invalid customers file .*typo\.json/);
  assert.match(failed.stderr, /"prairie-feed"\.alarmEmial: unknown field/);
  assert.deepEqual(failed.stacks, []);
});
