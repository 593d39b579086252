// `leakwatch incidents …`: the incidents API from a terminal or a script.
// It talks HTTP to a responder (`responder.api`), so it needs no Redis or
// Kafka access of its own: --api URL and a token (--token-file, or
// LEAKWATCH_API_URL / LEAKWATCH_API_TOKEN).

import { readFileSync } from 'node:fs'
import type { Writable } from 'node:stream'
import { parseArgs } from 'node:util'
import { LeakwatchError } from '../pipeline/errors.ts'
import { escapeControls } from '../pipeline/escape.ts'

export const INCIDENTS_HELP = `  leakwatch incidents list [--status S] [--severity S] [--rule R] [--namespace N] [--limit N]
  leakwatch incidents get|ack ID
  leakwatch incidents resolve ID --resolution rotated|false_positive|wont_fix|used_in_tests --reason TEXT
  leakwatch incidents ignore|reopen ID --reason TEXT
  leakwatch incidents rotate ID [--reason TEXT]
  leakwatch incidents dead-letters | retry JOB-ID
      Talk to a responder's incidents API: --api URL --token-file FILE (or
      LEAKWATCH_API_URL, LEAKWATCH_API_TOKEN); --json prints the raw answer.
`

interface Incident {
  id: string
  status: string
  resolution?: string
  severity: string
  rule: string
  preview: string
  occurrences: number
  lastSeen: string
  firstStream: string
  history?: Array<{ at: string; actor: string; text: string }>
}

export interface IncidentsCliDeps {
  env: NodeJS.ProcessEnv
  stdout: Writable
  fetch?: typeof fetch
}

function line(i: Incident): string {
  const status = i.resolution === undefined ? i.status : `${i.status}/${i.resolution}`
  // Streams, rules and previews come from logs and rule files: escaped, so a stream name cannot forge a line or drive the terminal.
  const e = escapeControls
  return `${e(i.id.slice(0, 16))}  ${e(i.severity).padEnd(8)} ${e(status).padEnd(24)} ${String(i.occurrences).padStart(6)}×  ${e(i.rule)}  ${e(i.preview)}  ${e(i.firstStream)}  last ${e(i.lastSeen)}`
}

export async function incidentsCommand(argv: string[], deps: IncidentsCliDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      api: { type: 'string' },
      'token-file': { type: 'string' },
      status: { type: 'string' },
      severity: { type: 'string' },
      rule: { type: 'string' },
      namespace: { type: 'string' },
      limit: { type: 'string' },
      resolution: { type: 'string' },
      reason: { type: 'string' },
      json: { type: 'boolean', default: false }
    }
  })
  const [sub, id] = positionals
  const usage = (msg: string): LeakwatchError => new LeakwatchError('LW_ERR_USAGE', `${msg}\nusage:\n${INCIDENTS_HELP}`)
  const base = (values.api ?? deps.env.LEAKWATCH_API_URL ?? '').replace(/\/+$/, '')
  if (base === '') throw usage('no API URL: --api or LEAKWATCH_API_URL')
  let token = deps.env.LEAKWATCH_API_TOKEN ?? ''
  if (values['token-file'] !== undefined) {
    try {
      token = readFileSync(values['token-file'], 'utf8').trim()
    } catch (err) {
      throw new LeakwatchError('LW_ERR_USAGE', `cannot read --token-file ${values['token-file']}`, { cause: err })
    }
  }
  if (token === '') throw usage('no API token: --token-file or LEAKWATCH_API_TOKEN')
  const doFetch = deps.fetch ?? fetch

  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    let res: Response
    try {
      res = await doFetch(`${base}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'x-leakwatch-actor': `cli:${deps.env.USER ?? 'unknown'}`.slice(0, 64)
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000)
      })
    } catch (err) {
      throw new LeakwatchError('LW_ERR_API_REQUEST', `incidents API at ${base} unreachable`, { cause: err })
    }
    const text = await res.text()
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      parsed = text
    }
    if (!res.ok)
      throw new LeakwatchError('LW_ERR_API_REQUEST', `incidents API answered HTTP ${res.status}: ${(parsed as { error?: string }).error ?? text.slice(0, 200)}`)
    return parsed
  }

  const needId = (): string => {
    if (id === undefined || !/^[0-9a-f]{6,64}$/.test(id)) throw usage(`incidents ${sub} needs an incident id`)
    return id
  }
  // Short ids (as `list` prints them) are resolved against the list, as git does with commit ids.
  async function fullId(): Promise<string> {
    const given = needId()
    if (given.length === 64) return given
    const all = ((await call('GET', '/incidents?limit=1000')) as { incidents: Incident[] }).incidents.filter((i) => i.id.startsWith(given))
    if (all.length !== 1) throw usage(`${all.length === 0 ? 'no' : 'several'} incidents start with ${given}`)
    return (all[0] as Incident).id
  }
  const out = (v: unknown, text: () => string): void => {
    deps.stdout.write(values.json ? `${JSON.stringify(v, null, 2)}\n` : `${text()}\n`)
  }
  const reason = (): string => {
    if (values.reason === undefined || values.reason.trim() === '') throw usage(`incidents ${sub} needs --reason`)
    return values.reason
  }

  switch (sub) {
    case 'list': {
      const q = new URLSearchParams()
      for (const k of ['status', 'severity', 'rule', 'namespace', 'limit'] as const) if (values[k] !== undefined) q.set(k, values[k])
      const r = (await call('GET', `/incidents?${q}`)) as { incidents: Incident[] }
      out(r, () => (r.incidents.length === 0 ? 'no incidents' : r.incidents.map(line).join('\n')))
      return 0
    }
    case 'get': {
      const i = (await call('GET', `/incidents/${await fullId()}`)) as Incident
      out(i, () => [line(i), ...(i.history ?? []).map((h) => `  ${escapeControls(h.at)}  ${escapeControls(h.actor)}: ${escapeControls(h.text)}`)].join('\n'))
      return 0
    }
    case 'resolve':
    case 'ignore':
    case 'reopen': {
      const status = sub === 'resolve' ? 'resolved' : sub === 'ignore' ? 'ignored' : 'open'
      if (sub === 'resolve' && values.resolution === undefined) throw usage('incidents resolve needs --resolution')
      const body = { status, reason: reason(), ...(sub === 'resolve' ? { resolution: values.resolution } : {}) }
      const i = (await call('POST', `/incidents/${await fullId()}/status`, body)) as Incident
      out(i, () => line(i))
      return 0
    }
    case 'rotate': {
      const r = (await call('POST', `/incidents/${await fullId()}/rotate`, values.reason === undefined ? {} : { reason: values.reason })) as { jobs: string[] }
      out(r, () => `rotation started: ${r.jobs.join(', ')}`)
      return 0
    }
    case 'ack': {
      const i = (await call('POST', `/incidents/${await fullId()}/ack`, {})) as Incident
      out(i, () => line(i))
      return 0
    }
    case 'dead-letters': {
      const r = (await call('GET', '/dead-letters')) as {
        count: number
        deadLetters: Array<{ id: string; name: string; attempts: number; reason: string; failedAt: string }>
      }
      out(r, () =>
        r.count === 0
          ? 'no dead letters'
          : r.deadLetters.map((d) => escapeControls(`${d.failedAt}  ${d.name}  ${d.id}  after ${d.attempts}: ${d.reason}`)).join('\n')
      )
      return 0
    }
    case 'retry': {
      if (id === undefined) throw usage('incidents retry needs a job id (see dead-letters)')
      const r = await call('POST', `/dead-letters/${encodeURIComponent(id)}/retry`)
      out(r, () => `retrying ${escapeControls(id)}`)
      return 0
    }
    default:
      throw usage(`unknown incidents command ${sub ?? '(none)'}`)
  }
}
