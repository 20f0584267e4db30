import { invalidInput } from './errors.ts';

// ISO 8601 date-time with a zone: Z, ±hh:mm or ±hhmm; seconds and fractions optional.
const ISO_WITH_ZONE = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2})(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$/;

export const EXPECTED_TIME_FORMAT = 'an ISO 8601 date-time with a zone, e.g. 2026-11-21T08:30:00Z or 2026-11-21T10:30:00.000+02:00';

/**
 * Parses the poll's lastExecutionDateTime into epoch milliseconds (fractions below a
 * millisecond are cut, which can only widen the window). A `+` that arrived as a
 * space (an unencoded query string) is read as `+`.
 */
export function parseClientTime(raw: string, field = 'lastExecutionDateTime'): number {
  const text = raw.trim().replace(/ (\d{2}:?\d{2})$/, '+$1');
  const m = ISO_WITH_ZONE.exec(text);
  const fail = () =>
    invalidInput(`${field} must be ${EXPECTED_TIME_FORMAT}.`, [
      { path: `/queryStringParameters/${field}`, message: `not ${EXPECTED_TIME_FORMAT}` },
    ]);
  if (!m) throw fail();
  const [, date, hm, sec = ':00', frac = '', zone = 'Z'] = m;
  const ms = frac ? frac.slice(1, 4).padEnd(3, '0') : '000';
  const z = zone === 'Z' || zone === 'z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const t = Date.parse(`${date}T${hm}${sec.slice(0, 3)}.${ms}${z}`);
  if (Number.isNaN(t)) throw fail();
  // Date.parse rolls 2026-02-30 over to March: insist the calendar date exists.
  const check = new Date(t + zoneOffsetMs(z));
  if (check.toISOString().slice(0, 10) !== date) throw fail();
  return t;
}

function zoneOffsetMs(zone: string): number {
  if (zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [h = '0', m = '0'] = zone.slice(1).split(':');
  return sign * (Number(h) * 60 + Number(m)) * 60_000;
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
  for (const p of formatter(zone).formatToParts(new Date(epochMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** The zone's offset from UTC at an instant, in whole minutes (the wall clock there minus UTC). */
export function zoneOffsetMinutes(zone: string, epochMs: number): number {
  const whole = Math.floor(epochMs / 1000) * 1000;
  return Math.round((wallClockMs(zone, epochMs) - whole) / 60_000);
}

/**
 * The IANA name of a time zone as the runtime spells it (`america/chicago` → `America/Chicago`),
 * or null when it is not one. Only region names (and `UTC`): fixed offsets such as `+05:00`,
 * which Intl also accepts, are not zones with rules and are refused.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!/^(?:UTC|[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)+)$/.test(name) && !/^(?:UTC|GMT)$/i.test(name)) return null;
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
  const ms = Number(frac.slice(0, 3).padEnd(3, '0'));
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
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
 * does), `Z` as `+00:00`. Anything else is returned as it is.
 */
export function netDateTime(text: string): string {
  const m = ZONED.exec(text);
  if (!m) return text;
  const [, date, time, frac = '', zone] = m;
  const z = zone === 'Z' || zone === 'z' || zone === '-00:00' ? '+00:00' : zone;
  return `${date}T${time}.${frac.slice(0, 3).padEnd(3, '0')}${z}`;
}
