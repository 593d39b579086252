// The helm binary the deploy tests render the chart with.

import { execFileSync } from 'node:child_process'
import { homedir } from 'node:os'
import { join } from 'node:path'

export function helmBinary(): string {
  const candidates = [process.env.HELM, join(process.env.GOPATH ?? join(homedir(), 'go'), 'bin', 'helm'), 'helm'].filter((c): c is string => !!c)
  for (const c of candidates) {
    try {
      execFileSync(c, ['version', '--short'], { stdio: 'ignore' })
      return c
    } catch {
      /* next */
    }
  }
  throw new Error('helm not found: `go install helm.sh/helm/v3/cmd/helm@v3.22.0` (.ci/run does this), or set HELM')
}
