import { invalidInput } from './errors.ts';

const FACILITY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** True when `id` is a facility id the contract accepts (1-64 of A-Z a-z 0-9 . _ -, not "." or ".."). */
export function isFacilityId(id: unknown): id is string {
  return typeof id === 'string' && FACILITY_ID.test(id) && id !== '.' && id !== '..';
}

/** Returns the facility id or throws a 400 that says what a facility id may contain. */
export function parseFacilityId(id: unknown): string {
  if (isFacilityId(id)) return id;
  throw invalidInput('facilityId must be 1 to 64 characters of A-Z a-z 0-9 . _ - and not "." or "..".', [
    { path: '/pathParameters/facilityId', message: 'invalid facility id' },
  ]);
}
