// The HTML view of a line: a page, an XML report or a draw.io file printed into a log writes quotes and
// angle brackets as character references (`&quot;`, `&lt;`, `&#39;`), so a password after `password=&quot;`
// or inside `&lt;password&gt;…` has no quote or element for the rules to read until the references are
// decoded. What the view must do: decode the XML names and numeric references, point a finding at the
// value's escaped form in the line, mask it there, and leave a query string's `&name=` alone. Values are
// drawn from a seeded generator.

import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeViews } from '../../detectors/decode.ts'
import { shannonEntropy } from '../../detectors/entropy.ts'
import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import { createFingerprinter } from '../../pipeline/fingerprint.ts'
import { stdinChunk } from '../support/log-chunk.ts'
import { seededGen } from '../support/seed.ts'

const gen = seededGen('html-view')

// One detector for the file: building one compiles every rule.
const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter: createFingerprinter(undefined), maxContextChars: 200 })
const detect = (lines: string[]) => detector.detect(stdinChunk(lines, 1))

/** A password a person could pick, holding characters HTML escapes. */
const picked = (): string => `${gen.base62(6)}&${gen.base62(4)}<${gen.digits(3)}`

test('the view decodes the XML names and numeric references, and maps each character back to its column', () => {
  const line = 'a &lt;b&gt; &quot;c&quot; &apos;d&#39; &#x41;&#66; &amp;amp;'
  const views = decodeViews(line, [])
  const html = views.find((v) => v.via === 'html')
  assert.equal(html?.text, `a <b> "c" 'd' AB &amp;`)
  // Each decoded character points at the reference it came from.
  assert.equal(html?.src?.[html.text.indexOf('<')], line.indexOf('&lt;'))
  assert.equal(html?.src?.[html.text.indexOf('B')], line.indexOf('&#66;'))
})

test('a reference to no character, past Unicode or to a surrogate, is left as written', () => {
  for (const ref of ['&#0;', '&#1114112;', '&#xD800;', '&#9999999;']) {
    const views = decodeViews(`x ${ref} y`, [])
    assert.equal(
      views.find((v) => v.via === 'html'),
      undefined,
      ref
    )
  }
})

test('a password in an HTML-escaped assignment or element is found, pointed at as written, and masked', () => {
  // An assignment's value stops at '&' and '<' (generic-password-assignment), an element's text does not.
  const a = `${gen.base62(8)}!${gen.digits(3)}`
  const b = picked()
  // A key over the generic rule's entropy bar (3.3 bits; a 16-character draw falls under it about once in 60:
  // LEAKWATCH_TEST_SEED=629581413 drew Yb444BAHtZdy3744 at 3.27), drawn again until it is.
  let c = `${gen.base62(16)}${gen.digits(4)}`
  while (shannonEntropy(c) < 3.6) c = `${gen.base62(16)}${gen.digits(4)}`
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
  const lines = [
    `<testcase name="login"><system-out>DB_PASSWORD=&quot;${esc(a)}&quot; connecting</system-out></testcase>`,
    `<mxCell id="n1" value="&lt;div&gt;&lt;password&gt;${esc(esc(b))}&lt;/password&gt;&lt;/div&gt;"/>`,
    `<a href="https://example.com/?token=&#39;${c}&#39;">login</a>`
  ]
  const found = detect(lines)
  for (const [i, secret, written] of [
    [0, a, esc(a)],
    [2, c, c]
  ] as const) {
    const f = found.find((x) => x.location.line === i + 1)
    assert.ok(f, `line ${i + 1}: ${JSON.stringify(found)} (seed: see the replay line)`)
    // The location is the value as the line writes it.
    assert.equal(lines[i]?.slice(f.location.column - 1, f.location.endColumn - 1), written, `line ${i + 1}`)
    assert.ok(!f.context.includes(secret) && !f.context.includes(written), `line ${i + 1} context leaks: ${f.context}`)
  }
  // Escaped twice (an element in an attribute): the second level is a view of the view.
  const second = found.find((x) => x.location.line === 2)
  assert.ok(second, JSON.stringify(found))
  assert.ok(!second.context.includes(b) && !second.context.includes(esc(b)) && !second.context.includes(esc(esc(b))), second.context)
})

test("a query string's `&name=` and a bare '&' are no references: such lines give no HTML view", () => {
  for (const line of ['GET /search?q=a&access_token=&lt HTTP/1.1', 'GET /q?a=1&gt=2&quot=3 HTTP/1.1', 'tom & jerry &#; &#x; &#12a;']) {
    assert.equal(
      decodeViews(line, []).find((v) => v.via === 'html'),
      undefined,
      line
    )
  }
})

test('a line whose only credential name is written in references is decoded and scanned', () => {
  // The chunk scan skips lines with no keyword, no base64 run and no escape (secrets.ts escapedLines): the
  // numeric references must send the line to the views, as '%' and backslash escapes do.
  const value = `${gen.base62(10)}!${gen.base62(10)}`
  const line = `<td>&#112;&#97;&#x73;&#x73;word=${value}</td>`
  const found = detect([line])
  assert.ok(
    found.some((f) => f.preview.startsWith(value.slice(0, 2))),
    `${line}: ${JSON.stringify(found.map((f) => [f.rule, f.preview]))}`
  )
})
