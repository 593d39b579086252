// GitHub token revocation through the credentials revocation API
// (`POST /credentials/revoke`, unauthenticated, up to 1000 tokens per call;
// GitHub revokes them and notifies their owners). The token comes sealed on
// the finding and is opened only here, right before the request: it is in
// this function's memory and the request body, and nowhere else — errors name
// the incident, never the value.

import { parseRetryAfter } from '../pipeline/backoff.ts'
import { LeakwatchError } from '../pipeline/errors.ts'
import type { Opener } from '../pipeline/seal.ts'
import type { Incident } from './incidents.ts'

export interface GithubOptions {
  apiUrl: string
  timeoutMs: number
}

export function createGithubRevoker(
  opts: GithubOptions,
  deps: { opener: Opener | undefined; sealed: (fp: string) => Promise<string | undefined>; fetch?: typeof fetch }
) {
  const doFetch = deps.fetch ?? fetch
  const url = `${opts.apiUrl.replace(/\/+$/, '')}/credentials/revoke`
  return {
    async revoke(incident: Incident): Promise<string> {
      if (deps.opener === undefined) throw new LeakwatchError('LW_ERR_SEALED_INVALID', 'github-revoke needs responder.sealPrivateKey')
      const sealed = await deps.sealed(incident.fingerprint)
      if (sealed === undefined)
        throw new LeakwatchError(
          'LW_ERR_ACTION_UNSUPPORTED',
          'no sealed value on this incident (set detector.sealPublicKey and include the rule in detector.sealRules)'
        )
      const body = JSON.stringify({ credentials: [deps.opener.open(sealed, incident.fingerprint)] })
      let res: Response
      try {
        res = await doFetch(url, {
          method: 'POST',
          headers: {
            accept: 'application/vnd.github+json',
            'content-type': 'application/json',
            'x-github-api-version': '2022-11-28',
            'user-agent': 'leakwatch'
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(opts.timeoutMs)
        })
      } catch (err) {
        throw new LeakwatchError('LW_ERR_GITHUB_FAILED', 'GitHub credential revocation unreachable or timed out', { cause: err })
      }
      await res.body?.cancel()
      if (res.ok) return `GitHub accepted revocation of ${incident.preview} (HTTP ${res.status})`
      const retriable =
        res.status === 408 || res.status === 429 || res.status >= 500 || (res.status === 403 && res.headers.get('x-ratelimit-remaining') === '0')
      const retryAfterMs =
        parseRetryAfter(res.headers.get('retry-after'), Date.now()) ??
        (res.headers.get('x-ratelimit-reset') === null ? undefined : Math.max(0, Number(res.headers.get('x-ratelimit-reset')) * 1000 - Date.now()))
      throw new LeakwatchError(retriable ? 'LW_ERR_GITHUB_FAILED' : 'LW_ERR_GITHUB_REJECTED', `GitHub credential revocation answered HTTP ${res.status}`, {
        ...(retriable && retryAfterMs !== undefined ? { details: { retryAfterMs } } : {})
      })
    }
  }
}
