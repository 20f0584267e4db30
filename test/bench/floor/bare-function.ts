/**
 * The floor of the cold-start benchmark: a Lambda function that only creates a DynamoDB
 * document client and sends one Query, bundled with the same esbuild settings as the hub's.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';

const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: process.env.AWS_REGION ?? 'us-east-1' }));

export async function handler(event: { facility?: string }): Promise<{ statusCode: number; body: string }> {
  const out = await db.send(
    new QueryCommand({
      TableName: process.env.TABLE_NAME ?? 'mixticket',
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': `FAC#${event.facility ?? ''}` },
      Limit: 10,
    }),
  );
  return { statusCode: 200, body: JSON.stringify(out.Items ?? []) };
}
