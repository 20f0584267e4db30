/**
 * The DynamoDB clients, created once per function instance (on first use) and shared by every
 * module. The S3 client is in store/s3-objects.ts, loaded only by the requests that need it
 * (it imports nothing from here: a module that a lazily loaded one imports is bundled in a form
 * esbuild cannot trim). Locally, DYNAMODB_ENDPOINT points at DynamoDB Local.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ENV } from '../shared/config.ts';
import { throttlingAsStorageError } from './errors.ts';

const localCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let dynamo: DynamoDBDocumentClient | undefined;
let dynamoExact: DynamoDBDocumentClient | undefined;

/** The environment is read when the first client is made, not at import (a bench imports the store before it points it at a stack). */
function baseDynamoClient(): DynamoDBClient {
  const local = process.env[ENV.local] === '1';
  const client = new DynamoDBClient({
    region: process.env.AWS_REGION ?? 'us-east-1',
    ...(process.env[ENV.dynamodbEndpoint] ? { endpoint: process.env[ENV.dynamodbEndpoint] } : {}),
    ...(local ? { credentials: localCredentials } : {}),
    maxAttempts: 3,
  });
  // On the base client: the document client runs its commands through the base client's stack.
  client.middlewareStack.add(throttlingAsStorageError, { step: 'initialize', name: 'throttlingAsStorageError' });
  // The SDK's logger middleware filters every request and response for a logger that logs nothing
  // (no logger is configured): about 4 % of a busy stack's time, measured by the load bench's profile.
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

/** DynamoDB document client: plain JS values in and out. */
export function dynamoClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(baseDynamoClient(), { marshallOptions: { removeUndefinedValues: true } });
  return dynamo;
}

/**
 * A document client that reads every number as its decimal text (exact sums: DynamoDB numbers
 * are decimals, a JS number is not). Its own base client: a document client stores its
 * translation options in the base client's config, so two cannot share one.
 */
export function dynamoExactClient(): DynamoDBDocumentClient {
  dynamoExact ??= DynamoDBDocumentClient.from(baseDynamoClient(), {
    marshallOptions: { removeUndefinedValues: true },
    unmarshallOptions: { wrapNumbers: (text: string) => text },
  });
  return dynamoExact;
}
