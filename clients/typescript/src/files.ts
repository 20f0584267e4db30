/** Files written so that a reader (or a crash) never sees half of one: a temp file beside it, then rename. */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Writes `data` to `file` atomically (same folder, so rename is atomic), creating folders. */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, file);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

/** Reads a JSON file, or null when it does not exist. */
export async function readJsonFile<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * A file name for a value that may hold any character but control characters (a work order
 * number): percent-encoded, so `/`, `\`, `%` and the names `.` and `..` cannot escape the folder.
 */
export function safeName(value: string): string {
  const encoded = encodeURIComponent(value).replace(/[*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return encoded === '.' || encoded === '..' ? encoded.replaceAll('.', '%2E') : encoded;
}

/** `DIR/<agency>/<number>.json` of an identifier. */
export const documentPath = (dir: string, id: { agency: string; number: string }): string =>
  join(dir, safeName(id.agency), `${safeName(id.number)}.json`);
