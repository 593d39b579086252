// Who owns a repository whose CI log leaked a secret, for routing its incident
// when no `responder.slack.routes` entry matched: first the configured globs
// (`responder.ciOwners.routes`), then the repository's CODEOWNERS file, read
// from GitHub or GitLab and cached. Of CODEOWNERS, the owners of the CI file
// (`.gitlab-ci.yml`, a workflow under `.github/workflows/`) are taken: the
// people who own the pipeline that printed the secret. The last matching rule
// wins, as on GitHub and GitLab; a file without a rule for it gives `*`'s owners.
//
// CODEOWNERS is content of the repository, so it is hostile input like a log:
// patterns become RE2 expressions, its size and rule count are bounded, and
// nothing of it is logged. Failing to read it routes to the default channel;
// it never fails the finding.

import RE2 from 're2'
import type { Source } from '../pipeline/events.ts'
import { FifoMap } from '../pipeline/fifo.ts'
import type { Logger } from '../pipeline/log.ts'
import type { CiOwnersConfig } from './ci-owners.config.ts'
import type { Route } from './policy.ts'

export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const
const MAX_CODEOWNERS_BYTES = 1024 * 1024
const MAX_RULES = 10_000
const MAX_CACHED = 10_000
/** A failed read is tried again after this long, not after the whole cacheMs. */
const FAILURE_CACHE_MS = 60_000

interface Matcher {
  test: (s: string) => boolean
}

function escapeRe(c: string): string {
  return /[\\^$.|?*+()[\]{}]/.test(c) ? `\\${c}` : c
}

/** `*` within a path segment, `**` across segments, `?` one character; the rest literal. */
function globSource(glob: string): string {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++
        // `**/` also matches no directory at all.
        if (glob[i + 1] === '/') {
          i++
          out += '(?:.*/)?'
        } else out += '.*'
      } else out += '[^/]*'
    } else if (c === '?') out += '[^/]'
    else out += escapeRe(c)
  }
  return out
}

/** A repository glob of `responder.ciOwners.routes`. */
export function repositoryGlob(glob: string): Matcher {
  return new RE2(`^${globSource(glob)}$`)
}

export interface CodeownersRule {
  pattern: string
  owners: string[]
  matcher: Matcher
}

/** A CODEOWNERS pattern (gitignore-like): anchored when it starts with or contains `/`, a directory when it ends with `/`. */
export function codeownersPattern(pattern: string): Matcher {
  let p = pattern
  const dir = p.endsWith('/')
  if (dir) p = p.slice(0, -1)
  const anchored = p.startsWith('/') || p.includes('/')
  if (p.startsWith('/')) p = p.slice(1)
  const body = globSource(p)
  return new RE2(`^${anchored ? '' : '(?:.*/)?'}${body}${dir ? '/.*' : '(?:/.*)?'}$`)
}

/** The rules of a CODEOWNERS file, in order. GitLab section headers (`[Section]`, `^[Section]`) are skipped; a rule without owners is kept (it clears ownership). */
export function parseCodeowners(text: string): CodeownersRule[] {
  const rules: CodeownersRule[] = []
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '').trim()
    if (line === '' || line.startsWith('#') || line.startsWith('[') || line.startsWith('^[')) continue
    // Escaped spaces (`\ `) belong to the pattern.
    const parts = line.replaceAll('\\ ', '\u0000').split(/\s+/)
    const pattern = (parts[0] ?? '').replaceAll('\u0000', ' ')
    // Owners run up to an inline comment; each is `@user`, `@org/team` or an e-mail address.
    const comment = parts.findIndex((o, i) => i > 0 && o.startsWith('#'))
    const owners = parts.slice(1, comment === -1 ? undefined : comment).filter((o) => o.includes('@'))
    try {
      rules.push({ pattern, owners, matcher: codeownersPattern(pattern) })
    } catch {
      // A pattern RE2 cannot take is skipped, like GitHub skips an invalid line.
    }
    if (rules.length >= MAX_RULES) break
  }
  return rules
}

/** The owners of `path`: the last rule that matches it decides. */
export function ownersOf(rules: readonly CodeownersRule[], path: string): string[] {
  for (let i = rules.length - 1; i >= 0; i--) {
    const r = rules[i] as CodeownersRule
    if (r.matcher.test(path)) return r.owners
  }
  return []
}

/** The CI file of a job's repository: the file whose owners answer for what its jobs print. */
export function ciFilePath(source: Source): string {
  const declared = source.labels?.workflowPath
  if (declared !== undefined && declared !== '') return declared.replace(/^\/+/, '')
  return source.provider === 'gitlab' ? '.gitlab-ci.yml' : '.github/workflows/workflow.yml'
}

export interface CiOwnersDeps {
  fetch?: typeof fetch
  now?: () => number
  logger?: Logger
  githubToken?: string | undefined
  gitlabToken?: string | undefined
}

export interface CiOwners {
  /** The route of a CI finding no configured Slack route matched; `fallback` is what routing gave (the default channel). */
  route: (source: Source, fallback: Route) => Promise<Route>
}

export function createCiOwners(config: CiOwnersConfig, deps: CiOwnersDeps = {}): CiOwners {
  const doFetch = deps.fetch ?? fetch
  const now = deps.now ?? Date.now
  const globs = config.routes.map((r) => ({ ...r, matcher: repositoryGlob(r.repository) }))
  // CODEOWNERS files by repository; one fetched again from its provider is the newest.
  const cache = new FifoMap<string, { rules: CodeownersRule[]; until: number }>(MAX_CACHED)
  const inFlight = new Map<string, Promise<CodeownersRule[]>>()

  async function get(url: string, headers: Record<string, string>): Promise<string | undefined> {
    const res = await doFetch(url, { headers: { 'user-agent': 'leakwatch', ...headers }, redirect: 'follow', signal: AbortSignal.timeout(config.timeoutMs) })
    if (res.status === 404) {
      await res.body?.cancel()
      return undefined
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw new Error(`HTTP ${res.status}`)
    }
    const declared = Number(res.headers.get('content-length') ?? Number.NaN)
    if (Number.isFinite(declared) && declared > MAX_CODEOWNERS_BYTES) {
      await res.body?.cancel()
      return undefined
    }
    const text = await res.text()
    return text.length > MAX_CODEOWNERS_BYTES ? text.slice(0, MAX_CODEOWNERS_BYTES) : text
  }

  async function fetchCodeowners(provider: string, repository: string): Promise<string | undefined> {
    for (const path of CODEOWNERS_PATHS) {
      let text: string | undefined
      if (provider === 'gitlab') {
        const base = config.gitlab.url.replace(/\/+$/, '')
        text = await get(`${base}/api/v4/projects/${encodeURIComponent(repository)}/repository/files/${encodeURIComponent(path)}/raw?ref=HEAD`, {
          ...(deps.gitlabToken === undefined ? {} : { 'private-token': deps.gitlabToken })
        })
      } else {
        const base = config.github.apiUrl.replace(/\/+$/, '')
        const [owner, name] = repository.split('/')
        if (owner === undefined || name === undefined) return undefined
        text = await get(`${base}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/contents/${path}`, {
          accept: 'application/vnd.github.raw+json',
          'x-github-api-version': '2022-11-28',
          ...(deps.githubToken === undefined ? {} : { authorization: `Bearer ${deps.githubToken}` })
        })
      }
      if (text !== undefined) return text
    }
    return undefined
  }

  async function rulesOf(provider: string, repository: string): Promise<CodeownersRule[]> {
    const key = `${provider}:${repository}`
    const hit = cache.get(key)
    if (hit !== undefined && hit.until > now()) return hit.rules
    let pending = inFlight.get(key)
    if (pending === undefined) {
      pending = (async () => {
        let rules: CodeownersRule[] = []
        let until = now() + config.cacheMs
        try {
          const text = await fetchCodeowners(provider, repository)
          rules = text === undefined ? [] : parseCodeowners(text)
        } catch (err) {
          until = now() + Math.min(config.cacheMs, FAILURE_CACHE_MS)
          deps.logger?.warn({ provider, repository, reason: (err as Error).message }, 'CODEOWNERS could not be read; routing to the default channel')
        }
        cache.set(key, { rules, until }, true)
        return rules
      })().finally(() => inFlight.delete(key))
      inFlight.set(key, pending)
    }
    return pending
  }

  return {
    async route(source, fallback) {
      const repository = source.repository
      if (source.type !== 'ci' || repository === undefined) return fallback
      for (const g of globs) if (g.matcher.test(repository)) return { channel: g.channel, owner: g.owner }
      if (!config.codeowners || (source.provider !== 'github' && source.provider !== 'gitlab')) return fallback
      const rules = await rulesOf(source.provider, repository)
      let owners = ownersOf(rules, ciFilePath(source))
      if (owners.length === 0)
        owners = ownersOf(
          rules.filter((r) => r.pattern === '*'),
          'x'
        )
      if (owners.length === 0) return fallback
      let channel = fallback.channel
      for (const o of owners) {
        const team = config.teamChannels.find((t) => t.owner.toLowerCase() === o.toLowerCase())
        if (team !== undefined) {
          channel = team.channel
          break
        }
      }
      return { channel, owner: owners.join(' ') }
    }
  }
}
