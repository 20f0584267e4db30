/**
 * Typed reads of a stored item's fields: one check per field instead of a cast, so an item
 * that does not hold what its mapper expects fails loudly, naming the field, rather than
 * becoming a value of the wrong type further on.
 */

type Item = Readonly<Record<string, unknown>>;
type Kinds = { string: string; number: number; boolean: boolean };

/** The field, which must be there and of this JavaScript type. */
function field<K extends keyof Kinds>(item: Item, name: string, kind: K): Kinds[K] {
  const v = item[name];
  if (typeof v !== kind) throw new Error(`stored item field "${name}" should be a ${kind}, found ${v === null ? 'null' : typeof v}`);
  return v as Kinds[K];
}

/** A string field that must be there. */
export const text = (item: Item, name: string): string => field(item, name, 'string');
/** A number field that must be there. */
export const num = (item: Item, name: string): number => field(item, name, 'number');
/** A boolean field that must be there. */
export const bool = (item: Item, name: string): boolean => field(item, name, 'boolean');

/** A string field that may be absent (undefined when it is). */
export const optionalText = (item: Item, name: string): string | undefined => (item[name] === undefined ? undefined : text(item, name));
/** A number field that may be absent (undefined when it is). */
export const optionalNum = (item: Item, name: string): number | undefined => (item[name] === undefined ? undefined : num(item, name));
