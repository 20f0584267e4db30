/**
 * Deployed stacks upgrade in place: a refactor that renamed a stateful construct would make
 * CloudFormation create a new, empty table or bucket beside the old one (and retain the old
 * one unused). The logical ids and the table's key schema are pinned here, as deployed.
 */
import assert from 'node:assert/strict';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, test } from 'vitest';
import { buildHubApp, resourcesOf } from './support.ts';

const hub = buildHubApp({ bundle: false });
afterAll(() => hub.dispose());

const key = (hash: string, range: string) => [
  { AttributeName: hash, KeyType: 'HASH' },
  { AttributeName: range, KeyType: 'RANGE' },
];

for (const stack of hub.stacks) {
  const template = Template.fromStack(stack);

  test(`${stack.stackName}: the table keeps its logical id, key schema and indexes`, () => {
    const tables = resourcesOf(template, 'AWS::DynamoDB::Table');
    assert.deepEqual(Object.keys(tables), ['DataTableFDBAD0F2']);
    const table = tables.DataTableFDBAD0F2!;
    assert.equal(table.DeletionPolicy, 'Retain');
    assert.deepEqual(table.Properties.KeySchema, key('pk', 'sk'));
    // Existing indexes keep their names and keys; new ones may be added after them.
    const indexes = (table.Properties.GlobalSecondaryIndexes as { IndexName: string; KeySchema: unknown }[]).map((g) => [
      g.IndexName,
      g.KeySchema,
    ]);
    assert.deepEqual(indexes.slice(0, 2), [
      ['byFacilityModified', key('gsi1pk', 'gsi1sk')],
      ['recordsByOrder', key('gsi2pk', 'gsi2sk')],
    ]);
  });

  test(`${stack.stackName}: the document and access-log buckets keep their logical ids`, () => {
    const buckets = resourcesOf(template, 'AWS::S3::Bucket');
    assert.deepEqual(Object.keys(buckets).sort(), ['DocumentsAccessLogsE0128BD5', 'DocumentsBucket089EA665']);
    for (const bucket of Object.values(buckets)) assert.equal(bucket.DeletionPolicy, 'Retain');
  });
}
