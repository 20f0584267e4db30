/**
 * The AWS SDK clients, created once per cold start and shared by every module.
 * Locally, DYNAMODB_ENDPOINT and S3_ENDPOINT point them at DynamoDB Local and the S3 emulator.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { throttlingAsStorageError } from '../store/errors.ts';
import { ENV } from './config.ts';

const region = process.env.AWS_REGION ?? 'us-east-1';
const local = process.env[ENV.local] === '1';
const localCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

let dynamo: DynamoDBDocumentClient | undefined;
let dynamoExact: DynamoDBDocumentClient | undefined;
let s3: S3Client | undefined;

function baseDynamoClient(): DynamoDBClient {
  const client = new DynamoDBClient({
    region,
    ...(process.env[ENV.dynamodbEndpoint] ? { endpoint: process.env[ENV.dynamodbEndpoint] } : {}),
    ...(local ? { credentials: localCredentials } : {}),
    maxAttempts: 3,
  });
  // On the base client: the document client runs its commands through the base client's stack.
  client.middlewareStack.add(throttlingAsStorageError, { step: 'initialize', name: 'throttlingAsStorageError' });
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

/** S3 client (path-style and checksums only when required against the emulator). */
export function s3Client(): S3Client {
  if (s3) return s3;
  s3 = new S3Client({
    region,
    ...(process.env[ENV.s3Endpoint]
      ? {
          endpoint: process.env[ENV.s3Endpoint],
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {}),
    ...(local ? { credentials: localCredentials } : {}),
  });
  s3.middlewareStack.add(throttlingAsStorageError, { step: 'initialize', name: 'throttlingAsStorageError' });
  return s3;
}
