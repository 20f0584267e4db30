/**
 * The outputs of a hub stack, by stable key, and how the operator tools find a deployed stack's
 * table and region from them. No CDK import: the keys CLI loads this at run time.
 */
import type { Customer } from '../customers.ts';

/** Output keys of every hub stack. Renaming one breaks `npm run keys -- --stack` on deployed stacks. */
export const OUTPUT = {
  apiUrl: 'ApiUrl',
  executeApiUrl: 'ExecuteApiUrl',
  tableName: 'TableName',
  bucketName: 'BucketName',
  alarmTopicArn: 'AlarmTopicArn',
  apiDomainTarget: 'ApiDomainTarget',
} as const;

/** A CloudFormation stack output, as DescribeStacks returns it. */
export interface StackOutput {
  OutputKey?: string;
  OutputValue?: string;
}

/** Where a deployed stack's data lives. */
export interface StackTarget {
  stackName: string;
  region: string;
  /** How the region was found, for the operator. */
  regionSource: 'customers file' | 'AWS default region';
  tableName: string;
  bucketName?: string;
}

/** What `resolveStackTarget` needs from the outside world (injected: AWS cannot run in tests). */
export interface StackTargetDeps {
  /** The customers, or null when no customers file could be read (then the default region applies). */
  customers: readonly Customer[] | null;
  /** The region the AWS SDK would use (AWS_REGION, then the profile's region), if any. */
  defaultRegion: () => Promise<string | undefined>;
  /** CloudFormation DescribeStacks of `stackName` in `region`: its outputs. */
  describeOutputs: (stackName: string, region: string) => Promise<readonly StackOutput[] | undefined>;
}

/** The region of the customers-file entry whose stackName is `stackName`, or undefined. */
export function regionOfStack(customers: readonly Customer[] | null, stackName: string): string | undefined {
  return customers?.find((c) => c.stackName === stackName)?.region;
}

/** An output's value by key, or undefined. */
export function outputValue(outputs: readonly StackOutput[] | undefined, key: string): string | undefined {
  return outputs?.find((o) => o.OutputKey === key)?.OutputValue;
}

/**
 * The region and table of a deployed hub stack: the region from the customers file entry whose
 * stackName matches (so DevOps need not set AWS_REGION per customer), else the SDK's default
 * region; the table from the stack's TableName output.
 */
export async function resolveStackTarget(stackName: string, deps: StackTargetDeps): Promise<StackTarget> {
  const fromFile = regionOfStack(deps.customers, stackName);
  const region = fromFile ?? (await deps.defaultRegion());
  if (!region) {
    throw new Error(
      `stack ${stackName} is not in the customers file and no AWS region is set; add the customer to the customers file or set AWS_REGION`,
    );
  }
  const outputs = await deps.describeOutputs(stackName, region);
  const tableName = outputValue(outputs, OUTPUT.tableName);
  if (!tableName) throw new Error(`stack ${stackName} in ${region} has no ${OUTPUT.tableName} output; is it a MixTicket hub stack?`);
  const bucketName = outputValue(outputs, OUTPUT.bucketName);
  return {
    stackName,
    region,
    regionSource: fromFile ? 'customers file' : 'AWS default region',
    tableName,
    ...(bucketName ? { bucketName } : {}),
  };
}
