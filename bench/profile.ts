// Summarises a V8 .cpuprofile (node --cpu-prof) into the functions that take
// the time: self time (where the CPU was) and inclusive time of the
// repository's own functions (which call paths to look at). Native add-on
// work (RE2 matching, Buffer conversion) has no frame of its own and shows as
// self time of the JavaScript function that called it; V8 regular expressions
// show as "RegExp: <source>".

import { readFileSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface CpuProfile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

function label(n: ProfileNode, repoUrl: string): string {
  const f = n.callFrame
  const name = f.functionName === '' ? '(anonymous)' : f.functionName
  if (name.startsWith('RegExp: ')) return `${name.slice(0, 70)}${name.length > 70 ? '…' : ''}`
  if (f.url === '') return name
  return `${f.url.startsWith(repoUrl) ? f.url.slice(repoUrl.length) : f.url}:${f.lineNumber + 1} ${name}`
}

export function summarizeProfile(path: string, repoDir: string, top = 15): string {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  const repoUrl = `file://${repoDir}/`
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const selfUs = new Map<number, number>()
  for (const [i, id] of p.samples.entries()) selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0))
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0)
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  for (const [id, us] of selfUs) {
    const n = byId.get(id)
    if (n === undefined) continue
    const key = label(n, repoUrl)
    self.set(key, (self.get(key) ?? 0) + us)
    // Each function once per stack, so recursion (scanText on decoded views) is not counted twice.
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const node = byId.get(cur)
      if (node === undefined || !node.callFrame.url.startsWith(repoUrl)) continue
      const k = label(node, repoUrl)
      if (seen.has(k)) continue
      seen.add(k)
      inclusive.set(k, (inclusive.get(k) ?? 0) + us)
    }
  }
  const rows = (m: Map<string, number>): string =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n')
  return `CPU profile ${path} (${(total / 1e6).toFixed(1)} s sampled)\nself time:\n${rows(self)}\ninclusive time, repository functions:\n${rows(inclusive)}`
}

/** Starts V8's CPU profiler in this process, for a span of it (not the whole run, as `node --cpu-prof`); `stop` writes the .cpuprofile to `path`. */
export async function startProfile(): Promise<{ stop: (path: string) => Promise<void> }> {
  const session = new Session()
  session.connect()
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  return {
    async stop(path) {
      const { profile } = await session.post('Profiler.stop')
      writeFileSync(path, JSON.stringify(profile))
      session.disconnect()
    }
  }
}
