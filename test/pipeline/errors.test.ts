import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { ErrorCode } from '../../pipeline/errors.ts'
import { ERROR_CODES, isLeakwatchError, isRetriable, isUncoded, LeakwatchError } from '../../pipeline/errors.ts'

const codes = Object.keys(ERROR_CODES) as ErrorCode[]

test('every error code is documented with a sentence and has a retriable flag', () => {
  assert.ok(codes.length > 0)
  for (const code of codes) {
    const e = ERROR_CODES[code]
    assert.match(code, /^LW_ERR_[A-Z_]+$/, code)
    assert.equal(typeof e.retriable, 'boolean', code)
    assert.ok(e.description.trim().length >= 20, `${code} needs a real description`)
    assert.ok(e.description.trim().endsWith('.'), `${code}: description should be a sentence`)
  }
})

test('LeakwatchError carries code, retriable flag from the table, cause and details', () => {
  const cause = new Error('socket hang up')
  for (const code of codes) {
    const err = new LeakwatchError(code, 'something failed', { cause, details: { attempt: 2 } })
    assert.ok(err instanceof Error)
    assert.equal(err.name, 'LeakwatchError')
    assert.equal(err.code, code)
    assert.equal(err.message, 'something failed')
    assert.equal(err.retriable, ERROR_CODES[code].retriable)
    assert.equal(err.cause, cause)
    assert.deepEqual(err.details, { attempt: 2 })
  }
  const bare = new LeakwatchError('LW_ERR_USAGE', 'x')
  assert.equal(bare.cause, undefined)
  assert.equal('cause' in bare, false, 'no cause property when none was given')
  assert.equal(bare.details, undefined)
})

test('isLeakwatchError matches the class and optionally the code', () => {
  const err = new LeakwatchError('LW_ERR_SOURCE_IO', 'x')
  assert.equal(isLeakwatchError(err), true)
  assert.equal(isLeakwatchError(err, 'LW_ERR_SOURCE_IO'), true)
  assert.equal(isLeakwatchError(err, 'LW_ERR_USAGE'), false)
  assert.equal(isLeakwatchError(new Error('x')), false)
  assert.equal(isLeakwatchError({ code: 'LW_ERR_SOURCE_IO' }), false)
  assert.equal(isLeakwatchError(undefined), false)
})

test('isRetriable: coded errors follow the table, foreign errors their own flag, unknown errors are transient', () => {
  assert.equal(isRetriable(new LeakwatchError('LW_ERR_WEBHOOK_FAILED', 'x')), true)
  assert.equal(isRetriable(new LeakwatchError('LW_ERR_WEBHOOK_REJECTED', 'x')), false)
  assert.equal(isRetriable(new LeakwatchError('LW_ERR_KAFKA_UNAVAILABLE', 'x')), true)
  assert.equal(isRetriable(new LeakwatchError('LW_ERR_CONFIG_INVALID', 'x')), false)
  // kafkajs errors carry `retriable`.
  assert.equal(isRetriable(Object.assign(new Error('x'), { retriable: false })), false)
  assert.equal(isRetriable(Object.assign(new Error('x'), { retriable: true })), true)
  assert.equal(isRetriable(new Error('x')), true)
  assert.equal(isRetriable('a string'), true)
  assert.equal(isRetriable(null), true)
})

test('the webhook codes agree with what their descriptions promise', () => {
  assert.equal(ERROR_CODES.LW_ERR_WEBHOOK_REJECTED.retriable, false)
  assert.equal(ERROR_CODES.LW_ERR_WEBHOOK_FAILED.retriable, true)
  assert.equal(ERROR_CODES.LW_ERR_RECORD_INVALID.retriable, false)
})

test('isUncoded: only errors that say nothing about themselves (a bug, not an outage) count', () => {
  assert.equal(isUncoded(new TypeError('x')), true)
  assert.equal(isUncoded('a string'), true)
  assert.equal(isUncoded(new LeakwatchError('LW_ERR_REDIS_UNAVAILABLE', 'x')), false)
  assert.equal(isUncoded(new LeakwatchError('LW_ERR_RULE_INVALID', 'x')), false)
  assert.equal(isUncoded(Object.assign(new Error('x'), { retriable: true })), false)
  assert.equal(isUncoded(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), false)
  assert.equal(isUncoded(Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' })), false)
  assert.equal(isUncoded(Object.assign(new Error('x'), { code: 'not-a-system-code' })), true)
})
