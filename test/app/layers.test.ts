// The dependency rules between top-level folders, read from the source: the
// spine imports no stage, stages import only the spine, config/ assembles the
// components' schemas, app/ composes everything, bin/ parses the command line.
// A loop between folders is how a "shared" module starts dragging a whole
// stage into every process.

import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { test } from 'node:test'

const root = resolve(import.meta.dirname, '../..')
const SOURCE = ['app', 'bin', 'collectors', 'config', 'detectors', 'pipeline', 'responders'] as const
type Folder = (typeof SOURCE)[number]

/** Which folders each folder may import from (besides itself and packages). */
const ALLOWED: Record<Folder, readonly Folder[]> = {
  pipeline: [],
  collectors: ['pipeline'],
  detectors: ['pipeline'],
  responders: ['pipeline'],
  config: ['pipeline', 'collectors', 'detectors', 'responders'],
  app: ['pipeline', 'collectors', 'detectors', 'responders', 'config'],
  bin: ['app', 'config', 'pipeline']
}

function files(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
}

// Static imports, `import type`, re-exports and dynamic import() with a literal path all count.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm

function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8')
  return [...text.matchAll(SPECIFIER)].map((m) =>
    relative(root, resolve(root, dirname(file), m[1] ?? ''))
      .split(sep)
      .join('/')
  )
}

const edges = SOURCE.flatMap((folder) => files(folder).flatMap((file) => imports(file).map((to) => ({ folder, file, to, toFolder: to.split('/')[0] ?? '' }))))

test('every import between top-level folders follows the layering', () => {
  assert.ok(edges.length > 200, `read ${edges.length} imports; the parser has stopped seeing them`)
  const wrong = edges.filter((e) => e.toFolder !== e.folder && !(ALLOWED[e.folder] as readonly string[]).includes(e.toFolder))
  assert.deepEqual(
    wrong.map((e) => `${e.file} -> ${e.to}`),
    [],
    'move the shared part into pipeline/ (the spine), or the wiring into app/'
  )
})

test('no import loop between top-level folders', () => {
  const graph = new Map<string, Set<string>>()
  for (const e of edges)
    if (e.toFolder !== e.folder && (SOURCE as readonly string[]).includes(e.toFolder)) graph.set(e.folder, (graph.get(e.folder) ?? new Set()).add(e.toFolder))
  const loops = new Set<string>()
  const visit = (node: string, path: string[]): void => {
    if (path.includes(node)) {
      loops.add([...path.slice(path.indexOf(node)), node].join(' -> '))
      return
    }
    for (const next of graph.get(node) ?? []) visit(next, [...path, node])
  }
  for (const f of SOURCE) visit(f, [])
  assert.deepEqual([...loops], [])
})
