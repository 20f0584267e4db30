/**
 * Typed readers of a stored item's fields: a mapper reads `text(item, 'agency')` instead of
 * casting `item.agency as string`, and an item that does not hold what the code wrote fails
 * loudly, naming the field, instead of travelling on mistyped.
 */

type Item = Record<string, unknown>;

function wrongType(name: string, expected: string, value: unknown): Error {
  return new Error(`stored item field "${name}" is ${value === undefined ? 'missing' : typeof value}, expected ${expected}`);
}

/** A string field that must be there. */
export function text(item: Item, name: string): string {
  const value = item[name];
  if (typeof value !== 'string') throw wrongType(name, 'a string', value);
  return value;
}

/** A string field that may be absent (undefined when it is). */
export function optionalText(item: Item, name: string): string | undefined {
  return item[name] === undefined ? undefined : text(item, name);
}

/** A number field that must be there. */
export function num(item: Item, name: string): number {
  const value = item[name];
  if (typeof value !== 'number') throw wrongType(name, 'a number', value);
  return value;
}

/** A number field that may be absent (undefined when it is). */
export function optionalNum(item: Item, name: string): number | undefined {
  return item[name] === undefined ? undefined : num(item, name);
}

/** A boolean field that must be there. */
export function bool(item: Item, name: string): boolean {
  const value = item[name];
  if (typeof value !== 'boolean') throw wrongType(name, 'a boolean', value);
  return value;
}
