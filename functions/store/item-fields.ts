/**
 * Typed reads of a stored item's fields: one check per field instead of a cast, so an item
 * that does not hold what its mapper expects fails loudly, naming the field, rather than
 * becoming a value of the wrong type further on.
 */

type Item = Readonly<Record<string, unknown>>;

function wrongType(item: Item, name: string, expected: string): Error {
  const found = item[name] === null ? 'null' : typeof item[name];
  return new Error(`stored item field "${name}" should be ${expected}, found ${found}`);
}

/** A string field that must be there. */
export function text(item: Item, name: string): string {
  const v = item[name];
  if (typeof v !== 'string') throw wrongType(item, name, 'a string');
  return v;
}

/** A string field that may be absent (undefined when it is). */
export function optionalText(item: Item, name: string): string | undefined {
  return item[name] === undefined ? undefined : text(item, name);
}

/** A number field that must be there. */
export function num(item: Item, name: string): number {
  const v = item[name];
  if (typeof v !== 'number') throw wrongType(item, name, 'a number');
  return v;
}

/** A number field that may be absent (undefined when it is). */
export function optionalNum(item: Item, name: string): number | undefined {
  return item[name] === undefined ? undefined : num(item, name);
}

/** A boolean field that must be there. */
export function bool(item: Item, name: string): boolean {
  const v = item[name];
  if (typeof v !== 'boolean') throw wrongType(item, name, 'a boolean');
  return v;
}
