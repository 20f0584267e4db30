/**
 * `npm run keys -- create|list|revoke`: manages API keys of the local instance (through
 * MIXTICKET_DATA_DIR) or, with --stack NAME, of a deployed stack (standard AWS credential
 * chain; the table is found from the stack's outputs).
 *
 *   create --role erp|pcs --facility ID [--facility ID ...] [--name TEXT] [--format legacy|legacy-numeric] [--time-zone IANA]
 *   list [--json]
 *   revoke KEY_ID
 */
import { parseArgs } from 'node:util';
import { generateKey } from '../functions/domain/api-keys.ts';
import { HubError } from '../functions/domain/errors.ts';
import { ENV } from '../functions/shared/config.ts';

const USAGE = `usage:
  npm run keys -- create --role erp|pcs --facility ID [--facility ID ...] [--name TEXT] [--format legacy|legacy-numeric] [--time-zone IANA] [--stack NAME]
  npm run keys -- list [--json] [--stack NAME]
  npm run keys -- revoke KEY_ID [--stack NAME]`;

class UsageError extends Error {}

interface Connection {
  /** Releases anything started for the command. */
  release(): Promise<void>;
  /** Tells a local gateway that keys changed, so it drops the authorizer answers it keeps. */
  keysChanged(): void;
}

/** Points the store at the target. */
async function connect(stack: string | undefined): Promise<Connection> {
  if (stack) {
    // The region comes from the customers file entry whose stackName is `stack` (else the
    // SDK's default region), the table from the stack's outputs: infra/stacks/stack-outputs.ts.
    const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
    const { customersFileFor, loadCustomers } = await import('./customers.ts');
    const { resolveStackTarget } = await import('./stacks/stack-outputs.ts');
    const file = customersFileFor(undefined);
    let customers: Awaited<ReturnType<typeof loadCustomers>> | null = null;
    try {
      customers = loadCustomers(file);
    } catch (error) {
      console.error(`keys: customers file not used (${(error as Error).message.split('\n')[0]}); using the default AWS region`);
    }
    const target = await resolveStackTarget(stack, {
      customers,
      defaultRegion: async () => {
        try {
          return await new CloudFormationClient({}).config.region();
        } catch {
          return undefined; // no region configured anywhere
        }
      },
      describeOutputs: async (stackName, region) => {
        const { Stacks } = await new CloudFormationClient({ region }).send(new DescribeStacksCommand({ StackName: stackName }));
        return Stacks?.[0]?.Outputs;
      },
    });
    console.error(
      `keys: stack ${target.stackName} in ${target.region} (region from the ${target.regionSource}), table ${target.tableName}`,
    );
    // functions/shared/clients.ts reads AWS_REGION when the store is loaded, after this.
    Object.assign(process.env, { AWS_REGION: target.region, [ENV.tableName]: target.tableName });
    return { release: async () => undefined, keysChanged: () => undefined };
  }
  const { bumpKeyGeneration, dataDir, makeDataDirPrivate, runningInstance, LOCAL_TABLE_NAME } = await import('./local/instance.ts');
  const dir = dataDir();
  const keysChanged = () => bumpKeyGeneration(dir);
  Object.assign(process.env, { [ENV.local]: '1', [ENV.tableName]: LOCAL_TABLE_NAME, AWS_REGION: process.env.AWS_REGION ?? 'us-east-1' });
  const running = runningInstance(dir);
  if (running) {
    process.env[ENV.dynamodbEndpoint] = running.dynamodbEndpoint;
    return { release: async () => undefined, keysChanged };
  }
  // No instance runs from this folder: open its database briefly, its files private as in `npm start`.
  makeDataDirPrivate(dir);
  const { join } = await import('node:path');
  const { startDynamoLocal, ensureTable } = await import('./local/dynamodb-local.ts');
  const dynamo = await startDynamoLocal(join(dir, 'dynamodb'));
  await ensureTable(dynamo.endpoint, LOCAL_TABLE_NAME);
  process.env[ENV.dynamodbEndpoint] = dynamo.endpoint;
  return { release: () => dynamo.stop(), keysChanged };
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      facility: { type: 'string', multiple: true },
      name: { type: 'string' },
      format: { type: 'string' },
      'time-zone': { type: 'string' },
      json: { type: 'boolean' },
      stack: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) throw new UsageError('');
  if (!['create', 'list', 'revoke'].includes(command)) throw new UsageError(`unknown command ${command}`);

  // Check a new key's request before touching any database.
  const made =
    command === 'create'
      ? generateKey(
          {
            role: values.role ?? '',
            facilities: values.facility ?? [],
            ...(values.name !== undefined ? { name: values.name } : {}),
            ...(values.format !== undefined ? { format: values.format } : {}),
            ...(values['time-zone'] !== undefined ? { timeZone: values['time-zone'] } : {}),
          },
          new Date(),
        )
      : null;
  if (command === 'revoke' && rest.length !== 1) throw new UsageError('revoke takes one KEY_ID');

  const { release, keysChanged } = await connect(values.stack);
  try {
    const store = await import('../functions/store/api-key-store.ts');
    if (made) {
      await store.putApiKey(made.record);
      keysChanged();
      const r = made.record;
      console.log(
        `created ${r.role} key ${r.keyId} for ${r.facilities.join(', ')}${r.name ? ` (${r.name})` : ''}, format ${r.format}` +
          (r.timeZone ? `, time zone ${r.timeZone}` : ''),
      );
      console.log('the key is shown once, on the next line; store it now:');
      console.log(made.key);
    } else if (command === 'list') {
      const keys = (await store.listApiKeys()).map(({ secretHash: _, ...k }) => k);
      if (values.json) {
        console.log(
          JSON.stringify(
            keys.map((k) => ({
              keyId: k.keyId,
              name: k.name,
              role: k.role,
              facilities: k.facilities,
              format: k.format,
              timeZone: k.timeZone,
              createdAt: k.createdAt,
              revokedAt: k.revokedAt,
            })),
          ),
        );
      } else if (keys.length === 0) {
        console.log('no keys');
      } else {
        for (const k of keys) {
          const state = k.revokedAt ? `revoked ${k.revokedAt}` : 'active';
          console.log(
            `${k.keyId}  ${k.role}  ${k.facilities.join(',')}  ${k.format}  ${k.timeZone ?? '-'}  ${k.createdAt}  ${state}  ${k.name}`,
          );
        }
      }
    } else {
      const keyId = rest[0]!;
      if (!(await store.revokeApiKey(keyId, new Date()))) throw new Error(`no key ${keyId}`);
      keysChanged();
      // Its webhook subscriptions stop with it (disabledReason "key revoked"); polling has stopped already.
      const { disableSubscriptionsOfKey } = await import('../functions/use-cases/manage-subscriptions.ts');
      const disabled = await disableSubscriptionsOfKey(keyId);
      if (disabled > 0) console.log(`disabled ${disabled} webhook subscription${disabled === 1 ? '' : 's'} of ${keyId}`);
      console.log(`revoked ${keyId}${values.stack ? ' (API Gateway may keep answering for it from its cache for up to 5 minutes)' : ''}`);
    }
  } finally {
    await release();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: Error) => {
    if (e instanceof UsageError) {
      if (e.message) console.error(`keys: ${e.message}`);
      console.error(USAGE);
      process.exit(2);
    }
    console.error(`keys: ${e instanceof HubError ? e.message : e.message || String(e)}`);
    process.exit(1);
  },
);
