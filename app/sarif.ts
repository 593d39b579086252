// SARIF 2.1.0 output of `leakwatch scan`, for code-scanning dashboards
// (GitHub, GitLab, Azure DevOps). One run; every rule the scan ran is a
// reportingDescriptor so ruleIndex is stable; locations are relative to the
// working directory (the checkout, in CI) under %SRCROOT%.

import { isAbsolute, relative, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { Rule } from '../detectors/rule.ts'
import type { Finding, Severity } from '../pipeline/events.ts'

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json'

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' }
// GitHub code scanning ranks security results by this CVSS-like score (critical ≥ 9, high ≥ 7, medium ≥ 4).
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '2.0' }

export interface SarifTool {
  name: string
  version: string
  informationUri: string
}

/** A path as SARIF wants it: a relative URI reference under %SRCROOT%, or a file: URI outside the working directory. */
function artifact(path: string, cwd: string): { uri: string; uriBaseId?: string } {
  const abs = resolve(cwd, path)
  const rel = relative(cwd, abs)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return { uri: pathToFileURL(abs).href }
  return { uri: rel.split(sep).map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' }
}

/** Lines where a rule reached the per-line findings cap (`scan`): reported as tool execution notifications. */
export interface SarifNotes {
  /** Lines capped in all. */
  capped: number
  /** The cap: findings of one rule on one line. */
  perLine: number
  /** The first capped lines, by input and rule. */
  notes: ReadonlyArray<{ where: string; line: number; rule: string }>
}

function invocations(n: SarifNotes | undefined, cwd: string): { invocations?: unknown[] } {
  if (n === undefined) return {}
  const note = (text: string, loc?: { where: string; line: number }) => ({
    level: 'warning',
    descriptor: { id: 'findings-per-line' },
    message: { text },
    ...(loc === undefined
      ? {}
      : {
          locations: [
            { physicalLocation: { artifactLocation: loc.where === '(stdin)' ? { uri: 'stdin' } : artifact(loc.where, cwd), region: { startLine: loc.line } } }
          ]
        })
  })
  return {
    invocations: [
      {
        executionSuccessful: true,
        toolExecutionNotifications: [
          note(`${n.capped} line(s) over the cap of ${n.perLine} findings of one rule per line; their further matches were masked, not reported`),
          ...n.notes.map((c) => note(`over ${n.perLine} findings of rule ${c.rule} on this line; the rest are masked, not reported`, c))
        ],
        properties: { cappedLines: n.capped }
      }
    ]
  }
}

export function toSarif(
  findings: ReadonlyArray<Finding & { file?: string }>,
  rules: readonly Rule[],
  tool: SarifTool,
  cwd: string,
  notes?: SarifNotes
): unknown {
  const index = new Map(rules.map((r, i) => [r.id, i]))
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: tool.name,
            version: tool.version,
            semanticVersion: tool.version,
            informationUri: tool.informationUri,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.id,
              shortDescription: { text: r.title },
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: {
                severity: r.severity,
                'security-severity': SECURITY_SEVERITY[r.severity],
                tags: [...new Set(['security', 'secret', r.kind, ...(r.tags ?? [])])],
                precision: r.kind === 'pattern' ? 'high' : 'medium'
              }
            }))
          }
        },
        ...invocations(notes, cwd),
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(cwd.endsWith(sep) ? cwd : cwd + sep).href } },
        columnKind: 'utf16CodeUnits',
        results: findings.map((f) => {
          const ruleIndex = index.get(f.rule)
          return {
            ruleId: f.rule,
            ...(ruleIndex === undefined ? {} : { ruleIndex }),
            level: LEVEL[f.severity],
            message: { text: `${f.title}: ${f.preview}` },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: f.file === undefined ? { uri: f.stream } : artifact(f.file, cwd),
                  region: {
                    startLine: f.location.line,
                    startColumn: f.location.column,
                    endLine: f.location.endLine,
                    endColumn: f.location.endColumn
                  }
                }
              }
            ],
            partialFingerprints: { 'leakwatch/fingerprint/v1': f.fingerprint },
            properties: { severity: f.severity, confidence: f.confidence, kind: f.kind, preview: f.preview }
          }
        })
      }
    ]
  }
}
