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
  /**
   * Order summaries by facility and status, newest change first (sparse: only orders and record
   * heads carry gsi3pk). Serves a status filter with or without a modified range: one Query per
   * status. Record heads are in partitions of their own, by record time (store/record-time-index.ts:
   * the edges of consumption reports).
   */
  ordersByStatusModifiedIndex: {
    name: 'ordersByStatusModified',
    partitionKey: 'gsi3pk',
    sortKey: 'gsi3sk',
  },
  /** The same partitions by creation time: a status filter with a created range, one Query per status. */
  ordersByStatusCreatedIndex: {
    name: 'ordersByStatusCreated',
    partitionKey: 'gsi3pk',
    sortKey: 'gsi4sk',
  },
  /**
   * Record heads whose latest revision the derive engine has not counted yet (sparse: a head
   * carries gsi5pk from its write until the engine's step that counts that revision removes it).
   * A lot trace reads it (usually empty) so it never misses a record whose index entries are not
   * written yet.
   */
  recordsPendingDeriveIndex: {
    name: 'recordsPendingDerive',
    partitionKey: 'gsi5pk',
    sortKey: 'gsi5sk',
  },
} as const;

/**
 * Every global secondary index of the table (all string keys, projection ALL), in the order
 * they were added: on AWS a deployment adds at most one index to an existing table, so an
 * upgrade adds them one deployment at a time (docs/operations.md#upgrade).
 */
export const INDEXES = [
  TABLE.changesIndex,
  TABLE.recordsByOrderIndex,
  TABLE.ordersByStatusModifiedIndex,
  TABLE.ordersByStatusCreatedIndex,
  TABLE.recordsPendingDeriveIndex,
] as const;

/** A GSI definition of THE table. */
export type IndexDef = (typeof INDEXES)[number];

/** The CreateTable / UpdateTable form of one index. */
export function indexSpec(index: IndexDef) {
  return {
    IndexName: index.name,
    KeySchema: [
      { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: index.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  };
}

/** Attribute definitions (all strings) of the table's keys and of these indexes, each once. */
export function attributeDefinitions(indexes: readonly IndexDef[] = INDEXES) {
  const names = new Set<string>([TABLE.partitionKey, TABLE.sortKey, ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])]);
  return [...names].map((name) => ({ AttributeName: name, AttributeType: 'S' as const }));
}

/** CreateTable input for DynamoDB Local (on AWS the CDK stack creates the table from TABLE). */
export function localCreateTableInput(tableName: string) {
  const { partitionKey, sortKey } = TABLE;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: attributeDefinitions(),
    KeySchema: [
      { AttributeName: partitionKey, KeyType: 'HASH' as const },
      { AttributeName: sortKey, KeyType: 'RANGE' as const },
    ],
    GlobalSecondaryIndexes: INDEXES.map(indexSpec),
  };
}
