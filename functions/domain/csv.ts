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

/** One media range of an Accept header (RFC 9110 §12.5.1): type, subtype, and its weight q (0 to 1). */
export interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const MEDIA_RANGE = new RegExp(`^(${TOKEN})/(${TOKEN})$`);
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

/**
 * The media ranges of an Accept header, in order. Parameters other than q are skipped (a quoted
 * value may hold commas and semicolons); a q that is not a qvalue (`0` to `1`, three decimals at
 * most), or a range that is not `type/subtype`, drops that range.
 */
export function parseAccept(header: string): MediaRange[] {
  const out: MediaRange[] = [];
  // Split on commas outside quoted strings.
  const parts = header.match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? [];
  for (const part of parts) {
    const [range = '', ...params] = part.match(/(?:[^;"]|"(?:[^"\\]|\\.)*")+/g) ?? [];
    const m = MEDIA_RANGE.exec(range.trim());
    if (!m) continue;
    let q = 1;
    let ok = true;
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'q') continue;
      const value = param.slice(eq + 1).trim();
      if (QVALUE.test(value)) q = Number(value);
      else ok = false;
      break; // what follows q is accept-ext, not the media type's parameters
    }
    if (ok) out.push({ type: m[1]!.toLowerCase(), subtype: m[2]!.toLowerCase(), q });
  }
  return out;
}

/** The weight a parsed Accept gives one media type: that of the most specific range matching it (0 when none does). */
export function qualityOf(ranges: readonly MediaRange[], mediaType: string): number {
  const [type, subtype] = mediaType.toLowerCase().split('/') as [string, string];
  let best = -1;
  let q = 0;
  for (const r of ranges) {
    const specificity =
      r.type === type && r.subtype === subtype
        ? 2
        : r.type === type && r.subtype === '*'
          ? 1
          : r.type === '*' && r.subtype === '*'
            ? 0
            : -1;
    if (specificity > best) {
      best = specificity;
      q = r.q;
    }
  }
  return q;
}

/**
 * True when the client asked for CSV: `Accept` names `text/csv` with a weight above 0, and at
 * least the weight it gives JSON (`text/csv;q=0.1, application/json` is JSON; `text/csv, *\/*`
 * is CSV). JSON is the answer otherwise, and when no Accept is sent.
 */
export function wantsCsv(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const ranges = parseAccept(accept);
  const csv = ranges.some((r) => r.type === 'text' && r.subtype === 'csv') ? qualityOf(ranges, 'text/csv') : 0;
  return csv > 0 && csv >= qualityOf(ranges, 'application/json');
}
