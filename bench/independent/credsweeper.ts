// CredSweeper's test samples as labelled examples (Samsung/CredSweeper, MIT):
// `tests/samples/*` are small files of many kinds (code, configs, docs,
// patches, logs) and `tests/data/output.json` is what CredSweeper reports on
// them in its default mode, each report naming its rule and the lines of the
// credential. That report is the label: a credential's lines (a multi-line
// one, a PEM block, as one example) are a positive example, every other
// non-blank line of a text sample is a negative one. Binary samples (archives,
// images, office documents: CredSweeper's deep scan) are left out; they are
// counted as not extractable.
//
// Lines, not files: a log is read line by line, and a file-level unit would
// count a false finding next to a true one as right. A sample's line is taken
// alone, so a credential whose name is on the line before (a JSON object's
// key, a YAML block) is an example leakwatch may miss: that is how a log
// record arrives too.

import type { Example } from './sources.ts'

interface Report {
  rule: string
  line_data_list: Array<{ path: string; line_num: number }>
}

/** Labelled examples of the text samples, the number of binary samples left out, and the source's rule names. */
export function credSweeperExamples(
  samples: ReadonlyArray<{ name: string; bytes: Buffer }>,
  outputJson: string
): { examples: Example[]; binary: number; ruleIds: string[] } {
  const reports = JSON.parse(outputJson) as Report[]
  // file → line → the rules of the reports that hold it; and each report's line span.
  const spans = new Map<string, Array<{ from: number; to: number; rules: Set<string> }>>()
  for (const r of reports) {
    const lines = r.line_data_list.map((l) => l.line_num).filter((n) => n > 0)
    const path = r.line_data_list[0]?.path
    if (path === undefined || lines.length === 0) continue
    const name = path.replace(/^\.?\/?tests\/samples\//, '')
    const list = spans.get(name) ?? []
    spans.set(name, list)
    list.push({ from: Math.min(...lines), to: Math.max(...lines), rules: new Set([r.rule]) })
  }
  const utf8 = new TextDecoder('utf-8', { fatal: true })
  const examples: Example[] = []
  let binary = 0
  for (const { name, bytes } of samples) {
    let text: string
    try {
      if (bytes.includes(0)) throw new Error('binary')
      text = utf8.decode(bytes)
    } catch {
      binary++
      continue
    }
    const lines = text.split(/\r?\n/)
    // Overlapping reports (two rules on one line, a PEM block and a line inside it) make one example.
    const merged: Array<{ from: number; to: number; rules: Set<string> }> = []
    for (const s of [...(spans.get(name) ?? [])].sort((a, b) => a.from - b.from)) {
      const last = merged.at(-1)
      if (last !== undefined && s.from <= last.to) {
        last.to = Math.max(last.to, s.to)
        for (const r of s.rules) last.rules.add(r)
      } else merged.push({ from: s.from, to: s.to, rules: new Set(s.rules) })
    }
    let next = 1
    const negativesUpTo = (end: number): void => {
      for (; next < end && next <= lines.length; next++) {
        const line = lines[next - 1] as string
        if (line.trim() !== '') examples.push({ source: 'credsweeper', rule: `(no report) ${name}`, positive: false, text: line })
      }
    }
    for (const m of merged) {
      negativesUpTo(m.from)
      // One positive per report's rule set; labels.ts turns the rules that find identifiers into negatives.
      examples.push({ source: 'credsweeper', rule: [...m.rules].sort().join(' + '), positive: true, text: lines.slice(m.from - 1, m.to).join('\n') })
      next = m.to + 1
    }
    negativesUpTo(lines.length + 1)
  }
  const ruleIds = [...new Set(reports.map((r) => r.rule))].sort()
  return { examples, binary, ruleIds }
}
