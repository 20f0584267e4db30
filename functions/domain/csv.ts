/**
 * CSV answers (RFC 4180): a header row, CRLF line ends, fields quoted when they hold a comma,
 * a quote or a line break (quotes doubled). Text cells that a spreadsheet would run as a
 * formula (starting with = + - @, a tab or a carriage return) are prefixed with a single
 * quote (OWASP's advice on CSV injection); numbers the hub computed are written as they are.
 */

export type CsvCell = string | number | bigint | null | undefined | { raw: string };

const FORMULA_START = /^[=+\-@\t\r]/;

function field(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number' || typeof cell === 'bigint') return String(cell);
  // Hub-computed numeric text (exact decimals): a leading minus is a number, not a formula.
  const text = typeof cell === 'object' ? cell.raw : FORMULA_START.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The whole CSV document: header row first. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((row) => `${row.map(field).join(',')}\r\n`).join('');
}

/** True when the client asked for CSV (`Accept: text/csv`, possibly among others). */
export function wantsCsv(accept: string | undefined): boolean {
  return accept !== undefined && /(^|,)\s*text\/csv\s*(;|,|$)/i.test(accept);
}
