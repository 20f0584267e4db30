/**
 * THE table definition: one DynamoDB table per stack. The CDK stack (infra/) and the
 * local bootstrap (infra/local/) both build the table from this object, so the
 * attribute names and the index can only be declared here.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Items that expire (upload tickets, for example) carry epoch seconds here. */
  timeToLiveAttribute: 'expiresAt',
  /** Changes by facility and hub modification time: polling is one Query on this index. */
  changesIndex: {
    name: 'byFacilityModified',
    partitionKey: 'gsi1pk',
    sortKey: 'gsi1sk',
  },
  /** Work records by the order they report on (sparse: only records carry these attributes). */
  recordsByOrderIndex: {
    name: 'recordsByOrder',
    partitionKey: 'gsi2pk',
    sortKey: 'gsi2sk',
  },
} as const;

/** Every global secondary index of the table (all string keys, projection ALL). */
export const INDEXES = [TABLE.changesIndex, TABLE.recordsByOrderIndex] as const;

/** CreateTable input for DynamoDB Local (on AWS the CDK stack creates the table from TABLE). */
export function localCreateTableInput(tableName: string) {
  const { partitionKey, sortKey } = TABLE;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: [partitionKey, sortKey, ...INDEXES.flatMap((i) => [i.partitionKey, i.sortKey])].map((name) => ({
      AttributeName: name,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' as const },
      { AttributeName: sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: INDEXES.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
        { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
      ],
      Projection: { ProjectionType: 'ALL' as const },
    })),
  };
}
