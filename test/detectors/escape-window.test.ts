// The JSON view of a line decodes its escapes and the characters around them
// (ESCAPE_WINDOW_CHARS, out to a delimiter), not the whole line: a long audit
// event escapes only a short reason near its end. What the view must still
// read: a value written escaped, wherever the escapes stand in a long line, and
// a value that runs into an escape from further back than the window.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeViews, ESCAPE_WINDOW_CHARS } from '../../detectors/decode.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import type { LogChunk } from '../../pipeline/events.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('escape-window')

/** Kubernetes audit-event padding: fields that hold no secret and no escape. */
function auditFields(n: number): string {
  const out: string[] = []
  for (let i = 0; i < n; i++) out.push(`"field${i}":"value-${i}-${gen.base62(12)}"`)
  return out.join(',')
}

function detect(line: string) {
  const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 200 })
  const chunk: LogChunk = {
    v: '1',
    type: 'log-chunk',
    stream: 'file:audit.log',
    source: { type: 'file', path: 'audit.log' },
    startLine: 1,
    offset: { start: 0, end: 0 },
    lines: [line],
    collectedAt: '2026-01-05T00:00:00.000Z'
  }
  return detector.detect(chunk)
}

test('the JSON view of a long line decodes the span around its escapes, not the whole line', () => {
  const head = `{"kind":"Event",${auditFields(60)}`
  const reason = '"annotations":{"authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \\"system:controller\\" of ClusterRole \\"admin\\""}}'
  const line = `${head},${reason}`
  assert.ok(head.length > 4 * ESCAPE_WINDOW_CHARS)
  const view = decodeViews(line, []).find((v) => v.via === 'json')
  assert.ok(view !== undefined)
  assert.ok(view.start > 0 && view.start <= line.indexOf('\\') - ESCAPE_WINDOW_CHARS, `view starts at ${view.start}`)
  assert.equal(view.end, line.length)
  assert.ok(view.text.includes('ClusterRoleBinding "system:controller" of ClusterRole "admin"'))
  // Each decoded character maps to its column in the line.
  for (let i = 0; i < view.text.length; i++) {
    const col = view.src?.[i] ?? -1
    const ch = view.text[i] as string
    assert.ok(line[col] === ch || (line[col] === '\\' && line[col + 1] === ch), `column ${col} for ${JSON.stringify(ch)}`)
  }
})

test('the window is cut only at a delimiter: a run that reaches an escape from further back is decoded whole', () => {
  const run = `${'A'.repeat(2 * ESCAPE_WINDOW_CHARS)}\\/${'B'.repeat(2 * ESCAPE_WINDOW_CHARS)}`
  const line = `${'x'.repeat(1000)} ${run} tail`
  const view = decodeViews(line, []).find((v) => v.via === 'json')
  assert.equal(view?.start, 1001)
  assert.equal(view?.end, line.indexOf(' tail'))
  assert.equal(view?.text, run.replace('\\/', '/'))
})

test('an escaped password far into a long line is found and pointed at; one written raw far before the escapes is found once', () => {
  const escaped = gen.password()
  const raw = gen.password()
  const line = `{"kind":"Event","env":"DB_PASSWORD=${raw}",${auditFields(60)},"requestObject":"{\\"user\\":\\"app\\",\\"password\\":\\"${escaped}\\"}"}`
  const found = detect(line)
  const values = found.map((f) => line.slice(f.location.column - 1, f.location.endColumn - 1))
  assert.deepEqual(values.sort(), [escaped, raw].sort(), JSON.stringify(found.map((f) => [f.rule, f.location])))
  assert.equal(JSON.stringify(found).includes(escaped), false)
  assert.equal(JSON.stringify(found).includes(raw), false)
})

test("a line is decoded for the escape after a '%' or a backslash that starts none", () => {
  // The chunk scan skips lines with no keyword, no base64 run and no escape (secrets.ts escapedLines): a '%'
  // before anything but two hex digits, or a backslash before anything but an escape's letter, must not end
  // the search on its line. The name is written escaped, so only the decoded view holds a keyword; the value's
  // '!' keeps its runs short of a base64 run.
  const value = `${gen.base62(10)}!${gen.base62(10)}`
  for (const line of [`Receiving objects: 30% (2473/9000), %70%61%73%73%77%6F%72%64%3D${value}`, `C:\\Windows\\ then \\u0070\\u0061ssword\\u003d${value}`]) {
    const found = detect(line)
    assert.ok(
      found.some((f) => f.preview.startsWith(value.slice(0, 3))),
      `${line}: ${JSON.stringify(found.map((f) => [f.rule, f.preview]))}`
    )
  }
})
