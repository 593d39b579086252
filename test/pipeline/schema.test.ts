import assert from 'node:assert/strict'
import { test } from 'node:test'
import { isLeakwatchError } from '../../pipeline/errors.ts'
import type { Issue } from '../../pipeline/schema.ts'
import * as s from '../../pipeline/schema.ts'

function issuesOf(schema: s.Schema<unknown>, value: unknown): Issue[] {
  const r = s.safeParse(schema, value)
  assert.equal(r.ok, false, `expected ${JSON.stringify(value)} to be rejected`)
  return r.ok ? [] : r.issues
}

function parsed<T>(schema: s.Schema<T>, value: unknown): T {
  const r = s.safeParse(schema, value)
  assert.ok(r.ok, r.ok ? '' : s.formatIssues(r.issues))
  return r.value
}

const nested = s.object({
  name: s.string(),
  server: s.object({
    port: s.number({ integer: true, min: 1, max: 65535, default: 8080 }),
    tls: s.object({ enabled: s.boolean({ default: false }) })
  }),
  items: s.optional(s.array(s.object({ id: s.string() })))
})

test('strict objects reject unknown keys at every depth, naming the full dotted path', () => {
  const issues = issuesOf(nested, { name: 'a', nmae: 'typo', server: { tls: { enabeld: true } }, items: [{ id: 'x' }, { id: 'y', extra: 1 }] })
  assert.deepEqual(issues.map((i) => i.path).sort(), ['items[1].extra', 'nmae', 'server.tls.enabeld'])
  for (const i of issues) assert.match(i.message, /^unknown key \(known: /)
  assert.match(issues.find((i) => i.path === 'server.tls.enabeld')?.message ?? '', /known: enabled\)/)
})

test('parse throws a coded error whose message lists every offending path', () => {
  assert.throws(
    () => s.parse(nested, { name: 1, server: { port: 0, tlss: {} } }, 'LW_ERR_CONFIG_INVALID', 'configuration'),
    (err: unknown) => {
      assert.ok(isLeakwatchError(err, 'LW_ERR_CONFIG_INVALID'))
      assert.match(err.message, /^configuration is invalid: /)
      assert.match(err.message, /name: expected a string, got number/)
      assert.match(err.message, /server\.port: must be >= 1/)
      assert.match(err.message, /server\.tlss: unknown key/)
      const issues = err.details?.issues as Issue[]
      assert.equal(issues.length, 3)
      return true
    }
  )
})

test('missing fields take their defaults; an object whose fields all default defaults itself', () => {
  assert.deepEqual(parsed(nested, { name: 'a' }), { name: 'a', server: { port: 8080, tls: { enabled: false } } })
  assert.deepEqual(parsed(nested, { name: 'a', server: { tls: {} } }), { name: 'a', server: { port: 8080, tls: { enabled: false } } })
  assert.equal(nested.hasDefault, false, 'name has no default, so the object cannot default')
  assert.deepEqual(issuesOf(nested, {}), [{ path: 'name', message: 'is required' }])
  assert.deepEqual(issuesOf(nested, undefined), [{ path: '', message: 'expected an object, got undefined' }])
})

test('array and record defaults are copied, so one parse cannot change the next', () => {
  const schema = s.object({ tags: s.array(s.string(), { default: ['a'] }) })
  const first = parsed(schema, {})
  first.tags.push('mutated')
  assert.deepEqual(parsed(schema, {}).tags, ['a'])
})

test('optional fields are left out when absent and validated when present', () => {
  const withItems = parsed(nested, { name: 'a', items: [{ id: 'x' }] })
  assert.deepEqual(withItems.items, [{ id: 'x' }])
  const without = parsed(nested, { name: 'a' })
  assert.equal('items' in without, false)
  assert.deepEqual(
    issuesOf(nested, { name: 'a', items: [{ id: 1 }] }).map((i) => i.path),
    ['items[0].id']
  )
  assert.equal(s.optional(s.string()).optional, true)
})

test('leaf validators: string bounds and pattern, numbers, integers, booleans, literals', () => {
  const str = s.string({ minLength: 2, maxLength: 4, pattern: /^[a-z]+$/ })
  assert.equal(parsed(str, 'abc'), 'abc')
  assert.match(issuesOf(str, 'a')[0]?.message ?? '', /at least 2/)
  assert.match(issuesOf(str, 'abcde')[0]?.message ?? '', /at most 4/)
  assert.match(issuesOf(str, 'AB')[0]?.message ?? '', /must match/)
  assert.match(issuesOf(str, null)[0]?.message ?? '', /expected a string, got null/)

  const int = s.number({ integer: true, min: 0, max: 10 })
  assert.equal(int.type, 'integer')
  assert.equal(parsed(int, 0), 0)
  assert.match(issuesOf(int, 1.5)[0]?.message ?? '', /integer/)
  assert.match(issuesOf(int, 11)[0]?.message ?? '', /<= 10/)
  assert.match(issuesOf(int, Number.NaN)[0]?.message ?? '', /expected a number/)
  assert.match(issuesOf(int, Number.POSITIVE_INFINITY)[0]?.message ?? '', /expected a number/)
  assert.match(issuesOf(int, '3')[0]?.message ?? '', /expected a number, got string/)

  assert.equal(parsed(s.boolean(), false), false)
  assert.match(issuesOf(s.boolean(), 'false')[0]?.message ?? '', /true or false/)

  const lit = s.literal(['a', 'b'] as const)
  assert.equal(lit.type, '"a" | "b"')
  assert.equal(parsed(lit, 'b'), 'b')
  assert.equal(issuesOf(lit, 'c')[0]?.message, 'must be one of a, b')
})

test('arrays check bounds and report each bad item by index; records report each bad value by key', () => {
  const arr = s.array(s.number(), { minItems: 1, maxItems: 3 })
  assert.deepEqual(parsed(arr, [1, 2]), [1, 2])
  assert.match(issuesOf(arr, [])[0]?.message ?? '', /at least 1/)
  assert.match(issuesOf(arr, [1, 2, 3, 4])[0]?.message ?? '', /at most 3/)
  assert.deepEqual(
    issuesOf(s.array(s.number()), [1, 'x', 3, 'y']).map((i) => i.path),
    ['[1]', '[3]']
  )
  assert.match(issuesOf(arr, { 0: 1 })[0]?.message ?? '', /expected a list, got object/)

  const labels = s.object({ labels: s.record(s.string()) })
  assert.deepEqual(parsed(labels, { labels: { app: 'api', team: 'core' } }), { labels: { app: 'api', team: 'core' } })
  assert.deepEqual(
    issuesOf(labels, { labels: { app: 'api', tier: 3 } }).map((i) => i.path),
    ['labels.tier']
  )
  assert.match(issuesOf(labels, { labels: ['x'] })[0]?.message ?? '', /expected a map, got array/)
})

test('a record at the root names its keys without a leading dot', () => {
  assert.deepEqual(
    issuesOf(s.record(s.number()), { a: 1, b: 'x' }).map((i) => i.path),
    ['b']
  )
})

test('a record keeps a "__proto__" key as data instead of changing the prototype', () => {
  const value = parsed(s.record(s.string()), JSON.parse('{"__proto__":"x","a":"b"}'))
  assert.deepEqual(Object.entries(value), [
    ['__proto__', 'x'],
    ['a', 'b']
  ])
})

test('allowUnknown objects keep the fields they do not describe (foreign documents pass through)', () => {
  const event = s.object({ id: s.string(), user: s.object({ name: s.string() }, { allowUnknown: true }) }, { allowUnknown: true })
  const v = parsed(event, { id: '1', future: { a: 1 }, user: { name: 'n', uid: 'u' } })
  assert.deepEqual(v, { id: '1', future: { a: 1 }, user: { name: 'n', uid: 'u' } })
  assert.deepEqual(
    issuesOf(event, { id: 1, extra: true, user: { name: 'n' } }).map((i) => i.path),
    ['id']
  )
})

test('unknownValue accepts any JSON value unvalidated', () => {
  const schema = s.object({ doc: s.unknownValue() })
  assert.deepEqual(parsed(schema, { doc: { deep: [1, { x: null }] } }), { doc: { deep: [1, { x: null }] } })
  assert.deepEqual(parsed(schema, { doc: null }), { doc: null })
})

test('environment coercion: numbers, booleans, lists, maps, JSON lists', () => {
  assert.equal(s.number().fromEnv('42'), 42)
  assert.equal(s.number().fromEnv(' 1.5 '), 1.5)
  assert.equal(s.number().fromEnv(''), '', 'empty stays a string so that it fails validation instead of becoming 0')
  assert.equal(s.boolean().fromEnv('true'), true)
  assert.equal(s.boolean().fromEnv('false'), false)
  assert.equal(s.boolean().fromEnv('yes'), 'yes')
  assert.deepEqual(s.array(s.string()).fromEnv('a:1, b:2,,'), ['a:1', 'b:2'])
  assert.deepEqual(s.array(s.number()).fromEnv('1,2'), [1, 2])
  assert.deepEqual(s.array(s.string()).fromEnv(' ["x,y","z"]'), ['x,y', 'z'])
  assert.deepEqual(s.record(s.string()).fromEnv('{"a":"b"}'), { a: 'b' })
  assert.equal(s.optional(s.number()).fromEnv('7'), 7, 'optional keeps the coercion of what it wraps')
  assert.equal(s.string().fromEnv('  spaced '), '  spaced ')
  // A value that does not parse must fail validation with a message, not pass as NaN.
  const issues = issuesOf(s.object({ n: s.number() }), { n: s.number().fromEnv('abc') })
  assert.equal(issues[0]?.path, 'n')
  assert.match(issues[0]?.message ?? '', /expected a number/)
})

test('leaves lists every non-object field with its dotted path', () => {
  assert.deepEqual(
    s.leaves(nested).map((l) => l.path),
    ['name', 'server.port', 'server.tls.enabled', 'items']
  )
})

test('formatIssues names the root explicitly', () => {
  assert.equal(
    s.formatIssues([
      { path: '', message: 'a' },
      { path: 'x.y', message: 'b' }
    ]),
    '(root): a; x.y: b'
  )
})
