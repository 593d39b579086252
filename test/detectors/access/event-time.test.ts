import assert from 'node:assert/strict'
import { test } from 'node:test'
import { rfc3339Ms } from '../../../detectors/access/audit-event.ts'
import { seededRng } from '../../support/seed.ts'

// The hand parser must be Date.parse, value for value (NaN included): the access rules' windows and a
// replay's findings hang on the time of every event.
test('rfc3339Ms gives what Date.parse gives on the forms the API server writes and on the ones it does not', () => {
  const odd = [
    '2026-11-02T00:03:36Z',
    '2026-11-02T00:03:36.1Z',
    '2026-11-02T00:03:36.12Z',
    '2026-11-02T00:03:36.123456Z',
    '2026-11-02T00:03:36.123456789Z',
    '2026-11-02T00:03:36.9999Z',
    '2026-02-30T00:03:36Z',
    '2028-02-29T23:59:59.999999Z',
    '2026-11-02T24:00:00Z',
    '2026-11-02T24:00:30Z',
    '2026-11-02T23:59:60Z',
    '2026-11-02T00:60:00Z',
    '2026-11-02T00:03:36.Z',
    '2026-11-02T00:03:3aZ',
    '2026-11-02T00:03:36.12a4Z',
    '2026-11-02T00:03Z',
    '2026-11-02t00:03:36Z',
    '2026-11-02T00:03:36+01:00',
    '2026-11-02T00:03:36.5-02:30',
    '+002026-11-02T00:03:36Z',
    '2026-11-02 00:03:36Z',
    'Mon, 02 Nov 2026 00:03:36 GMT',
    '',
    'Z',
    '2026-11-02T00:03:36ZZ'
  ]
  // Both orders: the minute cache must not carry one string's minute into the next.
  for (const s of [...odd, ...odd.toReversed()]) assert.ok(Object.is(rfc3339Ms(s), Date.parse(s)), s)
})

test('rfc3339Ms matches Date.parse over a seeded stream of API server timestamps, in and out of order', () => {
  const rng = seededRng('event-time')
  const from = Date.parse('2026-01-01T00:00:00Z')
  let t = from
  for (let i = 0; i < 20_000; i++) {
    // Mostly forward a few ms to minutes, sometimes back across minutes, days and years.
    t = rng.chance(0.05) ? from + rng.int(3 * 365 * 86_400_000) : t + rng.int(rng.chance(0.5) ? 2000 : 200_000)
    const iso = new Date(t).toISOString()
    const digits = rng.int(10)
    const frac = digits === 0 ? '' : `.${iso.slice(20, 23)}${rng.chars('0123456789', 9)}`.slice(0, digits + 1)
    const s = `${iso.slice(0, 19)}${frac}Z`
    assert.ok(Object.is(rfc3339Ms(s), Date.parse(s)), s)
  }
})
