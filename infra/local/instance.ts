/**
 * The running local instance, as recorded in MIXTICKET_DATA_DIR/local.json by `npm start`
 * and read by `npm run keys` (and by tests).
 */

import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_NAMES } from '../../functions/shared/config.ts';

export const LOCAL_TABLE_NAME = DEFAULT_NAMES.tableName;
export const LOCAL_BUCKET_NAME = DEFAULT_NAMES.bucketName;

export interface LocalInstance {
  pid: number;
  baseUrl: string;
  port: number;
  dynamodbEndpoint: string;
  s3Endpoint: string;
  tableName: string;
  bucketName: string;
  startedAt: string;
}

/** The data folder: MIXTICKET_DATA_DIR or .mixticket in the working directory. */
export const dataDir = (): string => resolve(process.env.MIXTICKET_DATA_DIR ?? '.mixticket');
const instanceFile = (dir: string) => join(dir, 'local.json');
/** What the hub keeps in the data folder: DynamoDB Local's database, s3rver's objects, local.json. */
const OWN_ENTRIES = ['dynamodb', 's3', 'local.json', 'keys.generation'];
const keyGenerationFile = (dir: string) => join(dir, 'keys.generation');

/** Folders 0700 and files 0600 from `path` down; symbolic links are left alone (chmod would follow them). */
function restrict(path: string): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== 0o700) chmodSync(path, 0o700);
    for (const name of readdirSync(path)) restrict(join(path, name));
  } else if ((stat.mode & 0o777) !== 0o600) {
    chmodSync(path, 0o600);
  }
}

/**
 * Makes the data folder private to this OS user, before anything is started on it. It holds
 * the API keys' hashes and every document, and DynamoDB Local and s3rver create their files
 * with the process umask (often 0644/0755). So: umask 077 for this process and the children it
 * starts from now on (they inherit it), the folder created 0700, and what an older version
 * left there (folders 0755, files 0644) brought to 0700/0600, so an old folder keeps working.
 */
export function makeDataDirPrivate(dir: string): void {
  process.umask(0o077);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A shared folder such as /tmp (sticky bit) is not the hub's to lock down: refuse it.
  if (lstatSync(dir).mode & 0o1000)
    throw new Error(`MIXTICKET_DATA_DIR ${dir} is a shared folder (sticky bit set); give the hub a folder of its own`);
  chmodSync(dir, 0o700);
  for (const name of OWN_ENTRIES) restrict(join(dir, name));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The instance running from `dir`, or null if none is (a stale file from a crash is ignored). */
export function runningInstance(dir = dataDir()): LocalInstance | null {
  const file = instanceFile(dir);
  if (!existsSync(file)) return null;
  try {
    const inst = JSON.parse(readFileSync(file, 'utf8')) as LocalInstance;
    return alive(inst.pid) ? inst : null;
  } catch {
    return null;
  }
}

export function writeInstance(dir: string, inst: LocalInstance): void {
  writeFileSync(instanceFile(dir), `${JSON.stringify(inst, null, 2)}\n`, { mode: 0o600 });
}

export function removeInstance(dir: string): void {
  rmSync(instanceFile(dir), { force: true });
}

/**
 * The generation of the keys of the instance in `dir`: changes whenever the keys CLI creates
 * or revokes a key. The local gateway keeps authorizer answers only while it stays the same, so
 * a revocation stops a key at once here (on AWS, within the authorizer cache TTL). One stat():
 * the file is replaced by rename, so its inode changes on every bump.
 */
export function keyGeneration(dir: string): string {
  const st = statSync(keyGenerationFile(dir), { bigint: true, throwIfNoEntry: false });
  return st ? `${st.ino}:${st.mtimeNs}` : '';
}

/** Tells a running gateway that keys changed (see keyGeneration). */
export function bumpKeyGeneration(dir: string): void {
  const file = keyGenerationFile(dir);
  const tmp = `${file}.${process.pid}`;
  writeFileSync(tmp, `${new Date().toISOString()}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
