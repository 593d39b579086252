// The README's reference tables are pasted from `leakwatch config docs` and
// `leakwatch errors`; operators read them, not the schema. These checks make a
// new option, a changed default or a new error code fail the build until the
// README says so, and a removed one until the README stops promising it.

import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import { envName } from '../../config/load.ts'
import { configSchema } from '../../config/schema.ts'
import { ERROR_CODES } from '../../pipeline/errors.ts'
import { createMetrics } from '../../pipeline/metrics.ts'
import { leaves } from '../../pipeline/schema.ts'

const root = resolve(import.meta.dirname, '../..')
const readme = readFileSync(join(root, 'README.md'), 'utf8')
const FIX = 'paste the output of `node bin/leakwatch.ts config docs` / `node bin/leakwatch.ts errors` into README.md, then `npx biome check --write README.md`'

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

function cli(...args: string[]): string {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LEAKWATCH_')))
  return execFileSync(process.execPath, [join(root, 'bin/leakwatch.ts'), ...args], { encoding: 'utf8', env })
}

const readmeRows = rows(readme)
const configRows = new Map(readmeRows.filter((r) => r[1]?.startsWith('`LEAKWATCH_') === true).map((r) => [r[0] ?? '', r]))
const errorRows = new Map(readmeRows.filter((r) => r[0]?.startsWith('`LW_ERR_') === true).map((r) => [r[0] ?? '', r]))

test("the README's configuration table lists every option, with its variable, type and default", () => {
  const paths = leaves(configSchema).map((l) => l.path)
  assert.ok(paths.length > 0)
  for (const path of paths) {
    const row = configRows.get(`\`${path}\``)
    assert.ok(row, `README.md lists option ${path}; ${FIX}`)
    assert.equal(row[1], `\`${envName(path)}\``, `README.md names the variable of ${path}`)
  }
  const generated = rows(cli('config', 'docs')).slice(1)
  assert.equal(generated.length, paths.length)
  for (const g of generated) {
    // Option, variable, type and default must match; the description may be reworded in either place.
    assert.deepEqual(configRows.get(g[0] ?? '')?.slice(0, 4), g.slice(0, 4), `README.md row of ${g[0]} matches \`config docs\`; ${FIX}`)
  }
  const known = new Set(paths.map((p) => `\`${p}\``))
  for (const listed of configRows.keys()) assert.ok(known.has(listed), `README.md lists ${listed}, which is not an option any more`)
})

test("the README's error table lists every code with its retriable flag", () => {
  const codes = Object.entries(ERROR_CODES)
  assert.ok(codes.length > 0)
  for (const [code, e] of codes) {
    const row = errorRows.get(`\`${code}\``)
    assert.ok(row, `README.md lists ${code}; ${FIX}`)
    assert.equal(row[1], e.retriable ? 'yes' : 'no', `README.md says whether ${code} is retriable`)
    assert.ok((row[2] ?? '').length > 0, `README.md explains ${code}`)
  }
  for (const listed of errorRows.keys()) assert.ok(listed.slice(1, -1) in ERROR_CODES, `README.md lists ${listed}, which is not an error code any more`)
  // The CLI's table is where the README's comes from: both must name the same codes.
  const generated = rows(cli('errors'))
    .slice(1)
    .map((r) => r[0])
  assert.deepEqual(generated.sort(), [...errorRows.keys()].sort())
})

test('the README names every metric leakwatch exports, and no other', () => {
  const exported = [
    ...createMetrics()
      .registry.render()
      .matchAll(/^# TYPE (\S+) /gm)
  ].map((m) => m[1] as string)
  assert.ok(exported.length > 0)
  for (const name of exported) assert.ok(readme.includes(`\`${name}\``), `README.md lists metric ${name}`)
  const mentioned = new Set([...readme.matchAll(/`(leakwatch_[a-z_]+)`/g)].map((m) => m[1] as string))
  for (const name of mentioned) assert.ok(exported.includes(name), `README.md mentions metric ${name}, which is not exported`)
})
