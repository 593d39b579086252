import type { Rule } from '../rule.ts'
import { END, START } from './patterns.ts'

// Personal access (dop_v1_), OAuth access (doo_v1_) and OAuth refresh
// (dor_v1_) tokens, each + 64 hex.
const KINDS = [
  { prefix: 'dop_v1_', id: 'digitalocean-pat', title: 'DigitalOcean personal access token', severity: 'critical' },
  { prefix: 'doo_v1_', id: 'digitalocean-oauth-token', title: 'DigitalOcean OAuth access token', severity: 'high' },
  { prefix: 'dor_v1_', id: 'digitalocean-refresh-token', title: 'DigitalOcean OAuth refresh token', severity: 'high' }
] as const

export const rules: Rule[] = KINDS.map(
  (k): Rule => ({
    id: k.id,
    title: k.title,
    severity: k.severity,
    kind: 'pattern',
    regex: `${START}(${k.prefix}[a-f0-9]{64})${END}`,
    keywords: [k.prefix],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = `${k.prefix}${g.hex(64)}`
        const b = `${k.prefix}${g.hex(64)}`
        return [
          { line: `DIGITALOCEAN_ACCESS_TOKEN=${a}`, secret: a },
          { line: `doctl auth init --access-token ${b}`, secret: b }
        ]
      },
      negatives: [`${k.prefix}${'0'.repeat(64)}`, `DIGITALOCEAN_TOKEN=${k.prefix}<token>`]
    }
  })
)
