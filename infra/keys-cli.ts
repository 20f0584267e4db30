/**
 * `npm run keys -- create|list|revoke`: manages API keys of the local instance (through
 * MIXTICKET_DATA_DIR) or, with --stack NAME, of a deployed stack (standard AWS credential
 * chain; the table is found from the stack's outputs).
 *
 *   create --role erp|pcs --facility ID [--facility ID ...] [--name TEXT] [--format legacy|legacy-numeric] [--time-zone IANA]
 *   list [--json]
 *   revoke KEY_ID
 */
import { parseArgs } from 'node:util';
import { generateKey } from '../functions/domain/api-keys.ts';
import { HubError } from '../functions/domain/errors.ts';
import { connect } from './connect.ts';

const USAGE = `usage:
  npm run keys -- create --role erp|pcs --facility ID [--facility ID ...] [--name TEXT] [--format legacy|legacy-numeric] [--time-zone IANA] [--stack NAME]
  npm run keys -- list [--json] [--stack NAME]
  npm run keys -- revoke KEY_ID [--stack NAME]`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: 'string' },
      facility: { type: 'string', multiple: true },
      name: { type: 'string' },
      format: { type: 'string' },
      'time-zone': { type: 'string' },
      json: { type: 'boolean' },
      stack: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) throw new UsageError('');
  if (!['create', 'list', 'revoke'].includes(command)) throw new UsageError(`unknown command ${command}`);

  // Check a new key's request before touching any database.
  const made =
    command === 'create'
      ? generateKey(
          {
            role: values.role ?? '',
            facilities: values.facility ?? [],
            ...(values.name !== undefined ? { name: values.name } : {}),
            ...(values.format !== undefined ? { format: values.format } : {}),
            ...(values['time-zone'] !== undefined ? { timeZone: values['time-zone'] } : {}),
          },
          new Date(),
        )
      : null;
  if (command === 'revoke' && rest.length !== 1) throw new UsageError('revoke takes one KEY_ID');

  const { release, keysChanged } = await connect(values.stack, 'keys');
  try {
    const store = await import('../functions/store/api-key-store.ts');
    if (made) {
      await store.putApiKey(made.record);
      keysChanged();
      const r = made.record;
      console.log(
        `created ${r.role} key ${r.keyId} for ${r.facilities.join(', ')}${r.name ? ` (${r.name})` : ''}, format ${r.format}` +
          (r.timeZone ? `, time zone ${r.timeZone}` : ''),
      );
      console.log('the key is shown once, on the next line; store it now:');
      console.log(made.key);
    } else if (command === 'list') {
      const keys = (await store.listApiKeys()).map(({ secretHash: _, ...k }) => k);
      if (values.json) {
        console.log(
          JSON.stringify(
            keys.map((k) => ({
              keyId: k.keyId,
              name: k.name,
              role: k.role,
              facilities: k.facilities,
              format: k.format,
              timeZone: k.timeZone,
              createdAt: k.createdAt,
              revokedAt: k.revokedAt,
            })),
          ),
        );
      } else if (keys.length === 0) {
        console.log('no keys');
      } else {
        for (const k of keys) {
          const state = k.revokedAt ? `revoked ${k.revokedAt}` : 'active';
          console.log(
            `${k.keyId}  ${k.role}  ${k.facilities.join(',')}  ${k.format}  ${k.timeZone ?? '-'}  ${k.createdAt}  ${state}  ${k.name}`,
          );
        }
      }
    } else {
      const keyId = rest[0]!;
      if (!(await store.revokeApiKey(keyId, new Date()))) throw new Error(`no key ${keyId}`);
      keysChanged();
      // Its webhook subscriptions stop with it (disabledReason "key revoked"); polling has stopped already.
      const { disableSubscriptionsOfKey } = await import('../functions/use-cases/manage-subscriptions.ts');
      const { webhookPorts } = await import('../functions/store/webhook-ports.ts');
      const disabled = await disableSubscriptionsOfKey(webhookPorts, keyId);
      if (disabled > 0) console.log(`disabled ${disabled} webhook subscription${disabled === 1 ? '' : 's'} of ${keyId}`);
      console.log(`revoked ${keyId}${values.stack ? ' (API Gateway may keep answering for it from its cache for up to 5 minutes)' : ''}`);
    }
  } finally {
    await release();
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: Error) => {
    if (e instanceof UsageError) {
      if (e.message) console.error(`keys: ${e.message}`);
      console.error(USAGE);
      process.exit(2);
    }
    console.error(`keys: ${e instanceof HubError ? e.message : e.message || String(e)}`);
    process.exit(1);
  },
);
