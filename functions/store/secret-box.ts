/**
 * Encryption at rest of webhook signing secrets. On AWS each secret is encrypted with the
 * stack's KMS key (`WebhookSecrets`; the stack passes its id as WEBHOOK_KMS_KEY_ID), bound to
 * its subscription by the encryption context, so a ciphertext copied onto another
 * subscription does not decrypt. Locally (no KMS) with AES-256-GCM under a key derived from the
 * local hub secret (store/hub-secret.ts): that keeps secrets out of plain sight in the data
 * folder, no more (docs/security.md).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { config } from '../shared/config.ts';
import { cursorSecret } from './hub-secret.ts';

let kms: KMSClient | undefined;
const kmsClient = () => {
  kms ??= new KMSClient({ region: process.env.AWS_REGION ?? 'us-east-1', maxAttempts: 3 });
  return kms;
};

const LOCAL_PREFIX = 'local1:';
const KMS_PREFIX = 'kms1:';

async function localKey(): Promise<Buffer> {
  return Buffer.from(hkdfSync('sha256', await cursorSecret(), Buffer.alloc(0), 'mixticket webhook secrets', 32));
}

function localOnly(): void {
  if (!config().webhookAllowLocal) throw new Error('webhook secrets need the stack KMS key (WEBHOOK_KMS_KEY_ID) outside the local runtime');
}

/** The stored form of a secret (prefixed so that a stored value says how it was sealed). */
export async function sealSecret(secret: string, subscriptionId: string): Promise<string> {
  const keyId = config().webhookKeyId;
  if (keyId) {
    const out = await kmsClient().send(
      new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(secret, 'utf8'), EncryptionContext: { subscription: subscriptionId } }),
    );
    return KMS_PREFIX + Buffer.from(out.CiphertextBlob!).toString('base64');
  }
  localOnly();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await localKey(), iv);
  cipher.setAAD(Buffer.from(subscriptionId, 'utf8'));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return LOCAL_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** Secrets this instance opened, by sealed form: one KMS call per secret and container, not per attempt. */
const opened = new Map<string, string>();
const MAX_OPENED = 500;

/** The secret of a stored form made by sealSecret for this subscription. */
export async function openSecret(sealed: string, subscriptionId: string): Promise<string> {
  const key = `${subscriptionId}\u0000${sealed}`;
  const known = opened.get(key);
  if (known !== undefined) return known;
  const secret = await unseal(sealed, subscriptionId);
  if (opened.size >= MAX_OPENED) opened.delete(opened.keys().next().value!);
  opened.set(key, secret);
  return secret;
}

async function unseal(sealed: string, subscriptionId: string): Promise<string> {
  if (sealed.startsWith(KMS_PREFIX)) {
    const out = await kmsClient().send(
      new DecryptCommand({
        CiphertextBlob: Buffer.from(sealed.slice(KMS_PREFIX.length), 'base64'),
        EncryptionContext: { subscription: subscriptionId },
        ...(config().webhookKeyId ? { KeyId: config().webhookKeyId! } : {}),
      }),
    );
    return Buffer.from(out.Plaintext!).toString('utf8');
  }
  if (!sealed.startsWith(LOCAL_PREFIX)) throw new Error('unknown sealed secret form');
  localOnly();
  const raw = Buffer.from(sealed.slice(LOCAL_PREFIX.length), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', await localKey(), raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(subscriptionId, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
