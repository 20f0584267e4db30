/**
 * The running local instance, as recorded in MIXTICKET_DATA_DIR/local.json by `npm start`
 * and read by `npm run keys` (and by tests).
 */

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
