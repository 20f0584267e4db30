/**
 * The stack's one DynamoDB table, built from THE table definition (functions/store/table.ts):
 * names, key types and every index (INDEXES) come from there, never retyped here.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  type Attribute,
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { INDEXES, localCreateTableInput, TABLE } from '../../functions/store/table.ts';

const ATTRIBUTE_TYPES = { S: AttributeType.STRING, N: AttributeType.NUMBER, B: AttributeType.BINARY } as const;

/** The key attributes with the types the local bootstrap declares, so both sides agree. */
function keyAttribute(name: string): Attribute {
  const definition = localCreateTableInput('schema').AttributeDefinitions.find((d) => d.AttributeName === name);
  if (!definition) throw new Error(`functions/store/table.ts declares no attribute type for key ${name}`);
  return { name, type: ATTRIBUTE_TYPES[definition.AttributeType] };
}

/** On-demand, point-in-time recovery, deletion protection, retained when the stack goes. */
export class HubTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: keyAttribute(TABLE.partitionKey),
      sortKey: keyAttribute(TABLE.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      encryption: TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: TABLE.timeToLiveAttribute,
      // The change stream event functions consume (functions/events.ts); an in-place update.
      stream: StreamViewType.NEW_AND_OLD_IMAGES,
    });
    // On AWS one deployment adds at most one index to an existing table: an upgrade that adds
    // several deploys first with `-c tableIndexes=N` (the first N of INDEXES), then without.
    const limit = Number(this.node.tryGetContext('tableIndexes') ?? INDEXES.length);
    for (const index of INDEXES.slice(0, Number.isInteger(limit) && limit > 0 ? limit : INDEXES.length)) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: keyAttribute(index.partitionKey),
        sortKey: keyAttribute(index.sortKey),
        projectionType: ProjectionType.ALL,
      });
    }
  }
}
