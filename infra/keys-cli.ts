/**
 * `npm run keys -- create|list|revoke`: manages API keys of the local instance (through
 * MIXTICKET_DATA_DIR) or, with --stack NAME, of a deployed stack (standard AWS credential
 * chain; the table is found from the stack's outputs).
 *
 *   create --role erp|pcs|operator --facility ID [--facility ID ...] [--name TEXT] [--format legacy|legacy-numeric] [--time-zone IANA]
 *   list [--json]
 *   revoke KEY_ID
 *
 * `--help` (or `help`, or `COMMAND --help`): the usage on stdout, exit 0. A usage error (unknown
 * command or option, a stray or missing argument, a bad value): stderr, exit 2. A failure:
 * stderr, exit 1. Modules beyond node:util load only once the arguments are understood.
 */
import { parseArgs } from 'node:util';

const USAGE = `usage:
  npm run keys -- create --role erp|pcs|operator --facility ID [--facility ID ...] [--name TEXT] [--format legacy|legacy-numeric] [--time-zone IANA] [--stack NAME]
  npm run keys -- list [--json] [--stack NAME]
  npm run keys -- revoke KEY_ID [--stack NAME]`;

const HELP = `${USAGE}

Manages the hub's API keys: of the local instance of MIXTICKET_DATA_DIR (the running one, or
its database opened briefly), or with --stack NAME of a deployed stack (standard AWS
credential chain).

commands:
  create   makes a key and prints it alone on the last line of stdout (shown once: store it)
             --role erp|pcs|operator   the side of the standard the key is for (operator: the people who run the stack)
             --facility ID         a facility it covers (repeat for more; '*': every one, erp and operator only)
             --name TEXT           a name for lists and logs
             --format legacy|legacy-numeric   the older document form served by default on polls
             --time-zone IANA      the zone of this client's date-times that carry none
  list     every key with a header row, never a secret; --json: an array of
           {"keyId","name","role","facilities","format","timeZone","createdAt","revokedAt","lastUsedAt"}
           (lastUsedAt: the key's last use, at most 5 minutes stale; null: not used since it was kept)
  revoke   revokes KEY_ID (the 12 hex digits after mtk_) and disables its webhook
           subscriptions; a key revoked before is reported ("already revoked at ...", exit 0)
  help     this text (also --help, -h, and COMMAND --help)

exit status:
  0  done
  1  failure (no such key, the database or stack cannot be reached, ...)
  2  usage error (unknown command or option, stray or missing argument, bad value)`;

class UsageError extends Error {}

/** The options each command takes (--stack and --help go with every one). */
const COMMANDS: Record<string, { options: string[]; positionals: string[] }> = {
  create: { options: ['role', 'facility', 'name', 'format', 'time-zone'], positionals: [] },
  list: { options: ['json'], positionals: [] },
  revoke: { options: [], positionals: ['KEY_ID'] },
};

/** Rows as columns padded to their widest cell (the last column left as it is). */
function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

async function main(argv: string[]): Promise<void> {
  const parsed = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
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
    } catch (e) {
      // Help wins over anything else on the line.
      if (argv.includes('--help') || argv.includes('-h')) return null;
      throw new UsageError((e as Error).message);
    }
  })();
  if (!parsed) return void console.log(HELP);
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') {
    if (command === 'help' && rest.length > 0 && !(rest[0]! in COMMANDS)) throw new UsageError(`unknown command ${rest[0]}`);
    return void console.log(HELP);
  }
  if (!command) throw new UsageError('a command is needed');
  const spec = COMMANDS[command];
  if (!spec || !Object.hasOwn(COMMANDS, command)) throw new UsageError(`unknown command ${command}`);
  for (const name of Object.keys(values)) {
    if (name !== 'stack' && !spec.options.includes(name)) throw new UsageError(`${command} takes no --${name}`);
  }
  if (rest.length > spec.positionals.length)
    throw new UsageError(
      `unexpected argument${rest.length - spec.positionals.length > 1 ? 's' : ''}: ${rest.slice(spec.positionals.length).join(' ')}`,
    );
  if (rest.length < spec.positionals.length) throw new UsageError(`${command} takes ${spec.positionals.join(' ')}`);
  if (values.stack === '') throw new UsageError('--stack must not be empty');

  // Check a new key's request before touching any database: a bad value is a usage error.
  let made: ReturnType<typeof import('../functions/domain/api-keys.ts').generateKey> | null = null;
  if (command === 'create') {
    const [{ generateKey }, { HubError }] = await Promise.all([
      import('../functions/domain/api-keys.ts'),
      import('../functions/domain/errors.ts'),
    ]);
    try {
      made = generateKey(
        {
          role: values.role ?? '',
          facilities: values.facility ?? [],
          ...(values.name !== undefined ? { name: values.name } : {}),
          ...(values.format !== undefined ? { format: values.format } : {}),
          ...(values['time-zone'] !== undefined ? { timeZone: values['time-zone'] } : {}),
        },
        new Date(),
      );
    } catch (e) {
      if (e instanceof HubError) throw new UsageError(e.message);
      throw e;
    }
  }
  if (command === 'revoke' && !/^[0-9a-f]{12}$/.test(rest[0]!)) {
    throw new UsageError(`not a key id: ${rest[0]} (the 12 hex digits after mtk_, as keys list shows them)`);
  }

  const { connect } = await import('./connect.ts');
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
              lastUsedAt: k.lastUsedAt ?? null,
            })),
          ),
        );
      } else if (keys.length === 0) {
        console.log('no keys');
      } else {
        const rows = [
          ['KEY ID', 'ROLE', 'FACILITIES', 'FORMAT', 'TIME ZONE', 'CREATED', 'LAST USED', 'STATE', 'NAME'],
          ...keys.map((k) => [
            k.keyId,
            k.role,
            k.facilities.join(','),
            k.format,
            k.timeZone ?? '-',
            k.createdAt,
            k.lastUsedAt ?? 'never',
            k.revokedAt ? `revoked ${k.revokedAt}` : 'active',
            k.name || '-',
          ]),
        ];
        for (const line of table(rows)) console.log(line);
      }
    } else {
      const keyId = rest[0]!;
      const before = await store.getApiKey(keyId);
      if (!before) throw new Error(`no key ${keyId}`);
      if (!(await store.revokeApiKey(keyId, new Date()))) throw new Error(`no key ${keyId}`);
      keysChanged();
      // Its webhook subscriptions stop with it (disabledReason "key revoked"); polling has stopped already.
      // Done again for a key revoked before, in case an earlier revoke stopped halfway.
      const { disableSubscriptionsOfKey } = await import('../functions/use-cases/manage-subscriptions.ts');
      const { webhookPorts } = await import('../functions/store/webhook-ports.ts');
      const disabled = await disableSubscriptionsOfKey(webhookPorts, keyId);
      if (disabled > 0) console.log(`disabled ${disabled} webhook subscription${disabled === 1 ? '' : 's'} of ${keyId}`);
      if (before.revokedAt) console.log(`${keyId} was already revoked at ${before.revokedAt}`);
      else
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
      console.error(`keys: ${e.message}`);
      console.error(USAGE);
      console.error("Run 'npm run keys -- --help' for more.");
      process.exit(2);
    }
    console.error(`keys: ${e.message || String(e)}`);
    process.exit(1);
  },
);
