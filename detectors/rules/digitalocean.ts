import { format, HEX, tokenRule } from './define.ts'

// Personal access (dop_v1_), OAuth access (doo_v1_) and OAuth refresh
// (dor_v1_) tokens, each + 64 hex.
const KINDS = [
  { prefix: 'dop_v1_', id: 'digitalocean-pat', title: 'DigitalOcean personal access token', severity: 'critical' },
  { prefix: 'doo_v1_', id: 'digitalocean-oauth-token', title: 'DigitalOcean OAuth access token', severity: 'high' },
  { prefix: 'dor_v1_', id: 'digitalocean-refresh-token', title: 'DigitalOcean OAuth refresh token', severity: 'high' }
] as const

export const rules = KINDS.map(({ prefix, ...k }) =>
  tokenRule({
    ...k,
    token: format(prefix, HEX(64)),
    minEntropy: 2.5,
    lines: [(s) => `DIGITALOCEAN_ACCESS_TOKEN=${s}`, (s) => `doctl auth init --access-token ${s}`],
    negatives: [`${prefix}${'0'.repeat(64)}`, `DIGITALOCEAN_TOKEN=${prefix}<token>`]
  })
)
