/**
 * `npm run deploy -- CUSTOMER | --all [-c customersFile=FILE] [--dry-run] [-- CDK_FLAGS...]`:
 * deploys one customer's stack, or every stack of the customers file, with the CDK CLI.
 *
 * The customer name is checked against the customers file before anything runs; the CDK app
 * then builds only that customer's stack (`-c customer=NAME`). Security-broadening changes
 * (IAM, security groups) wait for a yes unless `--require-approval` is given after `--`.
 * Everything after `--` goes to `cdk deploy` unchanged. The command is printed before it runs.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { CUSTOMERS_FILE_ENV, type Customer, customersFileFor, loadCustomers } from './customers.ts';

const PROJECT_ROOT = resolve(import.meta.dirname, '..');

export const USAGE = `usage:
  npm run deploy -- CUSTOMER [-c customersFile=FILE] [--dry-run] [-- CDK_FLAGS...]
  npm run deploy -- --all    [-c customersFile=FILE] [--dry-run] [-- CDK_FLAGS...]

  CUSTOMER             a customer's "name" in the customers file
  --all                every customer of the customers file
  -c customersFile=F   another customers file (relative to the project root); or set ${CUSTOMERS_FILE_ENV}
  --dry-run            print the cdk command, run nothing
  -- CDK_FLAGS         passed to cdk deploy as they are (e.g. -- --require-approval never --profile acme)`;

/** A command line that cannot be run; the message says why. */
export class DeployUsageError extends Error {}

/** What `npm run deploy` will do. */
export interface DeployPlan {
  customersFile: string;
  /** The customers whose stacks are deployed. */
  customers: Customer[];
  /** Arguments of the `cdk` executable. */
  cdkArgs: string[];
  dryRun: boolean;
}

/** `-c key=value`, `--context key=value`, `-c=key=value` or `--context=key=value` at `args[i]`: [key, value, args consumed]. */
function contextAt(args: readonly string[], i: number): [string, string, number] | undefined {
  const arg = args[i]!;
  let pair: string | undefined;
  let used = 1;
  if (arg === '-c' || arg === '--context') {
    pair = args[i + 1];
    used = 2;
    if (pair === undefined) throw new DeployUsageError(`${arg} needs key=value`);
  } else if (arg.startsWith('-c=') || arg.startsWith('--context=')) {
    pair = arg.slice(arg.indexOf('=') + 1);
  } else {
    return undefined;
  }
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new DeployUsageError(`${arg} needs key=value, got ${JSON.stringify(pair)}`);
  return [pair.slice(0, eq), pair.slice(eq + 1), used];
}

/**
 * The plan for a command line (the arguments after `npm run deploy --`). Pure apart from
 * `load`, which reads and validates the customers file (injected by tests).
 */
export function planDeploy(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  load: (file: string) => Customer[] = loadCustomers,
): DeployPlan {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const passThrough = split === -1 ? [] : argv.slice(split + 1);

  let all = false;
  let dryRun = false;
  let fileFromArgs: string | undefined;
  const names: string[] = [];
  for (let i = 0; i < own.length; ) {
    const arg = own[i]!;
    const context = contextAt(own, i);
    if (context) {
      const [key, value, used] = context;
      if (key === 'customersFile') fileFromArgs = value;
      else if (key === 'customer') throw new DeployUsageError('name the customer as the first argument, not as -c customer=...');
      else throw new DeployUsageError(`unknown context ${key}; CDK context for the app goes after --`);
      i += used;
      continue;
    }
    if (arg === '--all') all = true;
    else if (arg === '--dry-run') dryRun = true;
    else if (arg === '-h' || arg === '--help') throw new DeployUsageError('');
    else if (arg.startsWith('-')) throw new DeployUsageError(`unknown option ${arg}; flags for cdk deploy go after --`);
    else names.push(arg);
    i += 1;
  }
  if (all && names.length > 0) throw new DeployUsageError(`give a customer or --all, not both (got --all and ${names.join(', ')})`);
  if (!all && names.length === 0) throw new DeployUsageError('name a customer, or give --all');
  if (names.length > 1) throw new DeployUsageError(`one customer at a time (got ${names.join(', ')}); use --all for every customer`);

  for (let i = 0; i < passThrough.length; i++) {
    const context = contextAt(passThrough, i);
    if (context && (context[0] === 'customer' || context[0] === 'customersFile')) {
      throw new DeployUsageError(
        `-c ${context[0]}=... is set by deploy itself; give ${context[0] === 'customer' ? 'the customer as the first argument' : 'it before --'}`,
      );
    }
    if (passThrough[i] === '--all') throw new DeployUsageError('--all goes before --');
  }

  const customersFile = customersFileFor(fileFromArgs, env);
  const known = load(customersFile);
  let customers: Customer[];
  if (all) {
    customers = [...known];
  } else {
    const found = known.find((c) => c.name === names[0]);
    if (!found) {
      throw new DeployUsageError(
        `unknown customer ${JSON.stringify(names[0])} in ${customersFile}; known: ${known.map((c) => c.name).join(', ')}`,
      );
    }
    customers = [found];
  }

  const approvalGiven = passThrough.some((a) => a === '--require-approval' || a.startsWith('--require-approval='));
  const cdkArgs = [
    'deploy',
    ...(all ? ['--all'] : [customers[0]!.stackName, '-c', `customer=${customers[0]!.name}`]),
    '-c',
    `customersFile=${customersFile}`,
    ...(approvalGiven ? [] : ['--require-approval', 'broadening']),
    ...passThrough,
  ];
  return { customersFile, customers, cdkArgs, dryRun };
}

/** A shell-readable rendering of a command (for printing only). */
export function shellLine(command: string, args: readonly string[]): string {
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  return [command, ...args].map(quote).join(' ');
}

async function main(argv: string[]): Promise<number> {
  const plan = planDeploy(argv);
  console.log(`deploy: customers file ${plan.customersFile}`);
  for (const c of plan.customers) console.log(`deploy:   ${c.name} → stack ${c.stackName} in ${c.account} / ${c.region}`);
  console.log(`deploy: $ ${shellLine('cdk', plan.cdkArgs)}`);
  if (plan.dryRun) return 0;
  const child = spawn(resolve(PROJECT_ROOT, 'node_modules/.bin/cdk'), plan.cdkArgs, { cwd: PROJECT_ROOT, stdio: 'inherit' });
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      if (e instanceof DeployUsageError) {
        if (e.message) console.error(`deploy: ${e.message}`);
        console.error(USAGE);
        process.exit(2);
      }
      console.error(`deploy: ${e.message}`);
      process.exit(1);
    },
  );
}
