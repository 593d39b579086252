import assert from 'node:assert/strict'
import { test } from 'node:test'
import { backoffMs } from '../../pipeline/backoff.ts'

test('backoff doubles from the base per failure and stops at the cap', () => {
  const b = { baseMs: 100, maxMs: 1000, jitter: 'none' } as const
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, b)),
    [100, 200, 400, 800, 1000, 1000]
  )
  // Thousands of failures in a row stay at the cap instead of overflowing to Infinity or NaN.
  assert.equal(backoffMs(5000, b), 1000)
  assert.equal(backoffMs(0, b), 100)
})

test("full jitter draws below the ceiling; 'over' adds at most 25% and never goes below it", () => {
  const b = { baseMs: 100, maxMs: 10_000, jitter: 'full' } as const
  assert.equal(
    backoffMs(3, b, () => 0),
    0
  )
  assert.equal(
    backoffMs(3, b, () => 0.999),
    399
  )
  const o = { ...b, jitter: 'over' } as const
  assert.equal(
    backoffMs(3, o, () => 0),
    400
  )
  assert.equal(
    backoffMs(3, o, () => 0.999_999),
    500
  )
})
