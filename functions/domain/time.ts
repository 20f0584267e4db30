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
