/**
 * Where an operator command (keys, backfill) works: the local instance of MIXTICKET_DATA_DIR
 * (the running one, or its database opened briefly) or, with a stack name, a deployed stack
 * (standard AWS credential chain; region from the customers file, table from the stack's outputs).
 */
import { ENV } from '../functions/shared/config.ts';

export interface Connection {
  /** Releases anything started for the command. */
  release(): Promise<void>;
  /** Tells a local gateway that keys changed, so it drops the authorizer answers it keeps. */
  keysChanged(): void;
}

/** Points the store at the target; `command` names the caller in what it prints. */
export async function connect(stack: string | undefined, command: string): Promise<Connection> {
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
      console.error(`${command}: customers file not used (${(error as Error).message.split('\n')[0]}); using the default AWS region`);
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
      `${command}: stack ${target.stackName} in ${target.region} (region from the ${target.regionSource}), table ${target.tableName}`,
    );
    // functions/store/clients.ts reads AWS_REGION when the store is loaded, after this.
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
