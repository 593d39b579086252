// Where a job's steps begin in its raw log, so a finding can link to the line
// as the job page shows it: `<job url>#step:<number>:<line in step>`. The raw
// log (`…/jobs/{id}/logs`) is the steps' logs one after the other, without
// markers of its own; a step is recognised where it opens its group with its
// own name (`##[group]Run actions/checkout@v4` for the step "Run
// actions/checkout@v4"), or failing that at the first line stamped in a
// second after the step started (the API gives step times to the second).
// Best effort: a link may land a few lines late in a step that prints no group,
// never in an earlier step.

import type { CiLine } from '../log-lines.ts'

export interface GithubStep {
  name: string
  number: number
  started_at?: string | null
  completed_at?: string | null
  conclusion?: string | null
}

export interface StepIndex {
  /** Labels for a line that begins a step (`step`, `stepLine`), else undefined. */
  see: (line: CiLine) => Record<string, string> | undefined
  lineUrl: (jobUrl: string, line: number) => string
}

function second(iso: string | null | undefined): number | undefined {
  if (iso == null) return undefined
  const t = Date.parse(iso)
  return Number.isNaN(t) ? undefined : Math.floor(t / 1000)
}

export function createStepIndex(steps: readonly GithubStep[]): StepIndex {
  const ordered = steps.filter((s) => s.conclusion !== 'skipped' && s.started_at != null).sort((a, b) => a.number - b.number)
  const starts: Array<{ line: number; number: number }> = []
  let k = -1
  let lastLine = 0
  function begin(i: number, line: number): Record<string, string> | undefined {
    const step = ordered[i]
    if (step === undefined) return undefined
    k = i
    starts.push({ line, number: step.number })
    return { step: String(step.number), stepLine: String(line) }
  }
  return {
    see(l) {
      if (l.line === lastLine || ordered.length === 0) return undefined
      lastLine = l.line
      if (k === -1) return begin(0, l.line)
      const next = ordered[k + 1]
      if (next === undefined) return undefined
      if (l.group === 'start' && l.text.trim() === next.name.trim()) return begin(k + 1, l.line)
      const at = second(l.time)
      if (at === undefined) return undefined
      let i = k
      for (let s = ordered[i + 1]; s !== undefined && (second(s.started_at) ?? Number.POSITIVE_INFINITY) < at; s = ordered[i + 1]) i++
      return i > k ? begin(i, l.line) : undefined
    },
    lineUrl(jobUrl, line) {
      let found: { line: number; number: number } | undefined
      for (const s of starts) if (s.line <= line) found = s
      return found === undefined ? jobUrl : `${jobUrl}#step:${found.number}:${line - found.line + 1}`
    }
  }
}
