/**
 * Text a client sends must be exactly what it meant: UTF-8 that decodes without replacement,
 * and strings that are well-formed Unicode. A lossy decode would turn distinct inputs into
 * one identity (`WO-\xff\xfe` and `WO-\xfe\xff` both `WO-\ufffd\ufffd`); a lone surrogate
 * can be stored but never matched again by a URL. Pure functions, used by the body pipeline
 * (shared/body.ts) and the parameter check (shared/middleware.ts).
 */

import { pointerToken } from '../domain/documents.ts';
import type { ErrorItem } from '../domain/errors.ts';

// ignoreBOM: a byte order mark stays in the text (and the JSON parser refuses it), as before.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The text of UTF-8 bytes, or null when they are not valid UTF-8 (nothing is replaced). */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return UTF8.decode(bytes);
  } catch {
    return null;
  }
}

/** A pointer token that can be shown even when the name itself is not well-formed. */
const token = (name: string): string => pointerToken(name.toWellFormed());

/**
 * Every string of a parsed JSON value (property names and values) that is not well-formed
 * Unicode, as JSON pointers under `prefix`. At most `max` are listed.
 */
export function illFormedStrings(value: unknown, prefix = '', max = 100): ErrorItem[] {
  const found: ErrorItem[] = [];
  const walk = (v: unknown, path: string): void => {
    if (found.length >= max) return;
    if (typeof v === 'string') {
      if (!v.isWellFormed()) found.push({ path: path || '/', message: 'is not well-formed Unicode (a lone surrogate)' });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${path}/${i}`));
    } else if (typeof v === 'object' && v !== null) {
      for (const [name, child] of Object.entries(v)) {
        const at = `${path}/${token(name)}`;
        if (!name.isWellFormed()) found.push({ path: at, message: 'has a property name that is not well-formed Unicode' });
        walk(child, at);
      }
    }
  };
  walk(value, prefix);
  return found.slice(0, max);
}

/** The parameters (path or query) whose name or value is not well-formed Unicode. */
export function illFormedParams(params: Record<string, string | undefined> | undefined, where: string): ErrorItem[] {
  return Object.entries(params ?? {})
    .filter(([name, value]) => !name.isWellFormed() || (value !== undefined && !value.isWellFormed()))
    .map(([name]) => ({ path: `/${where}/${token(name)}`, message: 'is not well-formed Unicode' }));
}
