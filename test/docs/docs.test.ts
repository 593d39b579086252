// The README is an operator's first ten minutes; the references live in docs/. The configuration and
// error pages hold what `leakwatch config docs` and `leakwatch errors` print, and operators read those
// pages, not the schema. These checks make a new option, a changed default or a new error code fail the
// build until docs/ says so, a removed one until docs/ stops promising it, and a moved or renamed page
// or heading fail until every link to it is fixed.

import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { test } from 'node:test'
import { envName } from '../../config/load.ts'
import { configSchema } from '../../config/schema.ts'
import { ERROR_CODES } from '../../pipeline/errors.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { leaves } from '../../pipeline/schema.ts'
import { block, GENERATED, leakwatch, render, root } from '../../scripts/docs.ts'

const read = (path: string): string => readFileSync(join(root, path), 'utf8')
const README = 'README.md'
const pages = readdirSync(join(root, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`)
const configPage = read('docs/configuration.md')
const errorsPage = read('docs/errors.md')
const metricsPage = read('docs/metrics.md')
const FIX =
  'run `npm run docs` (it pastes the output of `node bin/leakwatch.ts config docs` / `node bin/leakwatch.ts errors` into docs/configuration.md / docs/errors.md)'

/** Cells of every Markdown table row in `text`; `\|` inside a cell is not a separator. */
function rows(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('|') && !/^\|[-| :]+\|$/.test(l))
    .map((l) =>
      l
        .slice(1, l.endsWith('|') ? -1 : undefined)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim())
    )
}

const configRows = new Map(
  rows(block(configPage, ['config', 'docs']))
    .filter((r) => r[1]?.startsWith('`LEAKWATCH_') === true)
    .map((r) => [r[0] ?? '', r])
)
const errorRows = new Map(
  rows(block(errorsPage, ['errors']))
    .filter((r) => r[0]?.startsWith('`LW_ERR_') === true)
    .map((r) => [r[0] ?? '', r])
)

test('the generated blocks of docs/ are exactly what their commands print (as biome formats them)', () => {
  for (const entry of GENERATED) {
    assert.ok(read(entry.page) === render(entry), `${entry.page} is stale: \`node bin/leakwatch.ts ${entry.command.join(' ')}\` prints something else; ${FIX}`)
  }
})

test("docs/configuration.md's table lists every option, with its variable, type and default", () => {
  const paths = leaves(configSchema).map((l) => l.path)
  assert.ok(paths.length > 0)
  for (const path of paths) {
    const row = configRows.get(`\`${path}\``)
    assert.ok(row, `docs/configuration.md lists option ${path}; ${FIX}`)
    assert.equal(row[1], `\`${envName(path)}\``, `docs/configuration.md names the variable of ${path}`)
  }
  const generated = rows(leakwatch('config', 'docs')).slice(1)
  assert.equal(generated.length, paths.length)
  for (const g of generated) {
    // Option, variable, type and default must match; the whole page is compared by the test above.
    assert.deepEqual(configRows.get(g[0] ?? '')?.slice(0, 4), g.slice(0, 4), `docs/configuration.md row of ${g[0]} matches \`config docs\`; ${FIX}`)
  }
  const known = new Set(paths.map((p) => `\`${p}\``))
  for (const listed of configRows.keys()) assert.ok(known.has(listed), `docs/configuration.md lists ${listed}, which is not an option any more`)
})

test("docs/errors.md's table lists every code with its retriable flag", () => {
  const codes = Object.entries(ERROR_CODES)
  assert.ok(codes.length > 0)
  for (const [code, e] of codes) {
    const row = errorRows.get(`\`${code}\``)
    assert.ok(row, `docs/errors.md lists ${code}; ${FIX}`)
    assert.equal(row[1], e.retriable ? 'yes' : 'no', `docs/errors.md says whether ${code} is retriable`)
    assert.ok((row[2] ?? '').length > 0, `docs/errors.md explains ${code}`)
  }
  for (const listed of errorRows.keys()) assert.ok(listed.slice(1, -1) in ERROR_CODES, `docs/errors.md lists ${listed}, which is not an error code any more`)
  // The CLI's table is where the page's comes from: both must name the same codes.
  const generated = rows(leakwatch('errors'))
    .slice(1)
    .map((r) => r[0])
  assert.deepEqual(generated.sort(), [...errorRows.keys()].sort())
})

test('docs/metrics.md names every metric leakwatch exports, and no page names another', () => {
  const exported = [
    ...createMetrics()
      .registry.render()
      .matchAll(/^# TYPE (\S+) /gm)
  ].map((m) => m[1] as string)
  assert.ok(exported.length > 0)
  for (const name of exported) assert.ok(metricsPage.includes(`\`${name}\``), `docs/metrics.md lists metric ${name}`)
  for (const page of [README, ...pages]) {
    const mentioned = new Set([...read(page).matchAll(/`(leakwatch_[a-z_]+)`/g)].map((m) => m[1] as string))
    for (const name of mentioned) assert.ok(exported.includes(name), `${page} mentions metric ${name}, which is not exported`)
  }
})

test('the README stays a first read: under 25 KB', () => {
  const bytes = statSync(join(root, README)).size
  assert.ok(bytes < 25 * 1024, `README.md is ${bytes} bytes; move reference material to docs/ and link it`)
})

/** `text` without fenced code blocks and inline code, where `[x](y)` and `# x` are not links or headings. */
function prose(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '')
}

/** GitHub's anchors of the headings of a Markdown page: lower case, punctuation dropped, spaces to '-', repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  const withoutFences = text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')
  for (const m of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const base = (m[1] ?? '')
      .toLowerCase()
      .replace(/<[^>]*>/g, '')
      .replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '')
      .replace(/ /g, '-')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

/** The relative link targets of a page, as [target path from the root, anchor or ''] pairs. */
function links(page: string): Array<{ target: string; path: string; anchor: string }> {
  return [...prose(read(page)).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map((m) => m[1] as string)
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t))
    .map((target) => {
      const [file = '', anchor = ''] = target.split('#', 2)
      const path = file === '' ? page : relative(root, resolve(root, dirname(page), decodeURIComponent(file)))
      return { target, path, anchor }
    })
}

test('the README links every page of docs/', () => {
  assert.ok(pages.length > 0)
  const linked = new Set(links(README).map((l) => l.path))
  for (const page of pages) assert.ok(linked.has(page), `README.md links ${page}`)
})

test('every relative link in the README and docs/ reaches an existing file, and heading', () => {
  for (const page of [README, ...pages]) {
    for (const { target, path, anchor } of links(page)) {
      assert.ok(existsSync(join(root, path)), `${page} links ${target}, but ${path} does not exist`)
      if (anchor === '' || !path.endsWith('.md')) continue
      assert.ok(anchors(read(path)).has(anchor), `${page} links ${target}, but ${path} has no heading with the anchor #${anchor}`)
    }
  }
})
