import { invalidInput } from './errors.ts';

export const EXPECTED_TIME_FORMAT = 'an ISO 8601 date-time with a zone, e.g. 2026-11-21T08:30:00Z or 2026-11-21T10:30:00.000+02:00';

/**
 * THE date-time reader: every date-time the hub accepts from a client (query parameters, and
 * through the generated validators every `format: date-time` field of every document) is read
 * here, and nowhere else.
 *
 * Form: `YYYY-MM-DD`, `T` (or `t` or a space), `hh:mm`, optional `:ss` and fraction, and a zone
 * `Z`, `±hh:mm` or `±hhmm`. The calendar date must exist. A leap second (`:60`, only where the
 * UTC time is 23:59:60, i.e. at the end of a UTC day) is read as the next second:
 * `2016-12-31T23:59:60Z` is `2017-01-01T00:00:00Z`. The instant, and the wall time written
 * with the same offset, must lie in 0001-01-01T00:00:00Z … 9999-12-31T23:59:59.999Z (what the
 * older form's .NET reader holds, and what the hub's fixed-width times can write).
 *
 * Answers the epoch milliseconds (fractions below a millisecond cut) and the text as the hub
 * keeps it: the input itself, or for a leap second the next second in the same offset (so no
 * `:60` is ever stored or served); null for anything else. Self-contained on purpose: the schema
 * build embeds this function's source in the generated validators.
 */
export function readDateTime(input: string): { ms: number; text: string } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})([Tt ])(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?([Zz]|([+-])(\d{2}):?(\d{2}))$/.exec(input);
  if (m === null) return null;
  const n = (i: number) => Number(m[i] || 0);
  const [year, month, day, hour, minute, second] = [n(1), n(2), n(3), n(5), n(6), n(7)];
  const offset = m[10] === undefined ? 0 : (m[10] === '-' ? -1 : 1) * (n(11) * 60 + n(12));
  if (hour > 23 || minute > 59 || second > 60 || n(11) > 23 || n(12) > 59) return null;
  // A leap second only where UTC reads 23:59:60.
  if (second === 60 && (((hour * 60 + minute - offset) % 1440) + 1440) % 1440 !== 1439) return null;
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day);
  if (wall.getUTCFullYear() !== year || wall.getUTCMonth() !== month - 1 || wall.getUTCDate() !== day) return null;
  wall.setUTCHours(hour, minute, Math.min(second, 59), Number((m[8] || '.0').slice(1, 4).padEnd(3, '0')));
  const wallMs = wall.getTime() + (second === 60 ? 1000 : 0);
  const ms = wallMs - offset * 60_000;
  const lowest = -62135596800000; // 0001-01-01T00:00:00Z
  const highest = 253402300799999; // 9999-12-31T23:59:59.999Z
  if (ms < lowest || ms > highest || wallMs < lowest || wallMs > highest) return null;
  if (second !== 60) return { ms, text: input };
  const next = new Date(wallMs).toISOString().slice(0, 19);
  return { ms, text: `${next.slice(0, 10)}${m[4]}${next.slice(11)}${m[8] || ''}${m[9]}` };
}

/** How far from the hub's clock a document's date-time may be, in years (docs/api.md "Date-times"). */
export const DOCUMENT_YEARS_FROM_CLOCK = 100;

/**
 * Whether a date-time's year, as written, is within `years` of the hub's clock's: a client
 * formatting in a culture with another calendar (th-TH writes the Buddhist-era 2567 for 2024)
 * would otherwise store a time centuries away. Text that is not a date-time passes (the reader
 * refuses it). Self-contained: the schema build embeds its source in the generated validators.
 */
export function isNearYear(text: string, years: number, nowMs: number = Date.now()): boolean {
  const m = /^(\d{4})-/.exec(text);
  return m === null || Math.abs(Number(m[1]) - new Date(nowMs).getUTCFullYear()) <= years;
}

/**
 * The .NET library writes a time with its culture's time separator (fi-FI: `08.30.45.123`):
 * that shape with Gregorian digits, read as the same time with `:`; anything else unchanged.
 */
export function withColonTimeSeparators(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}[Tt ])(\d{2})\.(\d{2})(?:\.(\d{2})(\.\d+)?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?$/.exec(text);
  if (m === null) return text;
  const [, date, hh, mm, ss, fraction, zone] = m;
  return `${date}${hh}:${mm}${ss === undefined ? '' : `:${ss}${fraction ?? ''}`}${zone ?? ''}`;
}

/**
 * A client's date-time (readDateTime) in epoch milliseconds, or a 400 naming `path` (a JSON
 * pointer into the request) and the expected form.
 */
export function parseDateTime(raw: string, path: string, field = path.slice(path.lastIndexOf('/') + 1)): number {
  const read = readDateTime(raw);
  if (read === null) {
    throw invalidInput(`${field} must be ${EXPECTED_TIME_FORMAT}, between the years 0001 and 9999.`, [
      { path, message: `not ${EXPECTED_TIME_FORMAT}` },
    ]);
  }
  return read.ms;
}

/**
 * Parses a query parameter's date-time (the poll's lastExecutionDateTime, a report's from and
 * to) into epoch milliseconds with readDateTime. A `+` that arrived as a space (an unencoded
 * query string) is read as `+`.
 */
export function parseClientTime(raw: string, field = 'lastExecutionDateTime'): number {
  const text = raw.trim().replace(/ (\d{2}:?\d{2})$/, '+$1');
  return parseDateTime(text, `/queryStringParameters/${field}`, field);
}

/** The hub's fixed-width, lexically sortable time form (UTC, milliseconds). */
export function isoMs(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

// ---- document date-times: zone-less ones read in a key's zone, and the .NET library's form ----

/** A date-time without a zone, as Json.NET writes a DateTime of unspecified kind (fractions of 0-7 digits). */
const ZONELESS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
/** RFC 3339 with a zone, as the canonical form stores it. */
const ZONED = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/** True when `text` is a date-time that carries no zone (the form `isZonelessDateTime` reads). */
export const isZonelessDateTime = (text: string): boolean => ZONELESS.test(text);

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      era: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall clock of `zone` at an instant, to the second, written as if it were UTC (epoch ms). */
export function wallClockMs(zone: string, epochMs: number): number {
  const parts: Record<string, number> = {};
  let bc = false;
  for (const p of formatter(zone).formatToParts(new Date(epochMs))) {
    if (p.type === 'era') bc = p.value === 'BC';
    else if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  // Year 1 BC is year 0 (a negative offset on 0001-01-01 reaches it).
  return utcMs(bc ? 1 - parts.year! : parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** Date.UTC without its two-digit-year rule (Date.UTC(1, 0, 1) is 1901): years 0 to 99 are themselves. */
export function utcMs(year: number, monthIndex: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

/** The zone's offset from UTC at an instant, in whole minutes (the wall clock there minus UTC). */
export function zoneOffsetMinutes(zone: string, epochMs: number): number {
  const whole = Math.floor(epochMs / 1000) * 1000;
  return Math.round((wallClockMs(zone, epochMs) - whole) / 60_000);
}

/** The short ids ICU reads for Java's sake, not IANA names (tzdata's `backward` file has none of them). */
const JAVA_ONLY_IDS = /^(?:ACT|AET|AGT|ART|AST|BET|BST|CAT|CNT|CST|CTT|EAT|ECT|IET|IST|JST|MIT|NET|NST|PLT|PNT|PRT|PST|SST|VST)$/i;

/**
 * The IANA name of a time zone as the runtime spells it (`america/chicago` → `America/Chicago`),
 * or null when it is not one. Every name the runtime's time zone data knows is accepted: those
 * `Intl.supportedValuesOf('timeZone')` lists and the links and legacy names it also reads
 * (`EST5EDT`, `US/Eastern`, `Etc/GMT+5`, `UTC`). Fixed offsets such as `+05:00`, which Intl
 * also accepts, are not zones with rules and are refused: a name starts with a letter. So are the
 * three-letter ids ICU keeps from Java (`CST`, `PST`, `IST`, …): abbreviations that name different
 * zones in different places, which the IANA database does not define (its `EST`, `MST`, `HST`,
 * `CET`, … are accepted).
 */
export function canonicalTimeZone(name: string): string | null {
  if (name.length > 64 || !/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(name)) return null;
  if (JAVA_ONLY_IDS.test(name)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');
const offsetText = (minutes: number) =>
  `${minutes < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(minutes) / 60))}:${pad(Math.abs(minutes) % 60)}`;

/**
 * A zone-less date-time read as the wall clock of `zone`: the same wall time with that zone's
 * offset at that moment (DST-correct), milliseconds kept (finer fractions cut), e.g.
 * `2026-03-16T06:41:57.204` in America/Chicago → `2026-03-16T06:41:57.204-05:00`. A wall time
 * the zone passes twice (the hour a DST change repeats) is the earlier of the two instants; one
 * it skips (the hour a DST change leaves out) does not exist there: `null`. Also null for text
 * that is not a zone-less date-time or a calendar date that does not exist.
 */
export function zonedDateTime(text: string, zone: string): string | null {
  const m = ZONELESS.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '00', frac = ''] = m;
  if (s === '60') {
    // A leap second (readDateTime's rule): the same wall time at :59 fixes the offset, then :60 is the next second.
    const at59 = zonedDateTime(`${y}-${mo}-${d}T${h}:${mi}:59${frac ? `.${frac}` : ''}`, zone);
    return at59 === null ? null : (readDateTime(at59.replace(/:59\./, ':60.'))?.text ?? null);
  }
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  const wall = utcMs(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const back = new Date(wall);
  if (
    Number.isNaN(wall) ||
    back.getUTCMonth() + 1 !== Number(mo) ||
    back.getUTCDate() !== Number(d) ||
    back.getUTCHours() !== Number(h) ||
    back.getUTCMinutes() !== Number(mi)
  ) {
    return null;
  }
  // Offsets change at most once in a day: the instants that show this wall time use one of the
  // offsets a day before or after it.
  const candidates = [...new Set([zoneOffsetMinutes(zone, wall - 86_400_000), zoneOffsetMinutes(zone, wall + 86_400_000)])]
    .filter((offset) => zoneOffsetMinutes(zone, wall - offset * 60_000) === offset)
    .sort((a, b) => b - a); // the larger offset is the earlier instant
  const offset = candidates[0];
  if (offset === undefined) return null;
  return `${y}-${mo}-${d}T${h}:${mi}:${s}.${pad(ms, 3)}${offsetText(offset)}`;
}

/**
 * A stored date-time in the .NET library's one format `yyyy-MM-dd'T'HH:mm:ss.fffzzz`: the same
 * wall time and offset the document carried, milliseconds (finer fractions cut, as .NET's `fff`
 * does), `Z` as `+00:00`, a leap second as the next second (readDateTime). Anything else is
 * returned as it is.
 */
export function netDateTime(stored: string): string {
  // A leap second stored before the hub read it as the next second is served as that second.
  const text = readDateTime(stored)?.text ?? stored;
  const m = ZONED.exec(text);
  if (!m) return text;
  const [, date, time, frac = '', zone] = m;
  const z = zone === 'Z' || zone === 'z' || zone === '-00:00' ? '+00:00' : zone;
  return `${date}T${time}.${frac.slice(0, 3).padEnd(3, '0')}${z}`;
}
