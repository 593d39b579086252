import { ALPHABETS } from '../gen.ts'
import { charset, format, re, tokenRule } from './define.ts'

const LOWER_ALNUM = charset('a-z0-9', ALPHABETS.alnumLower)

// Supabase personal access tokens (the Management API and CLI's SUPABASE_ACCESS_TOKEN): sbp_ then
// 40 lower-case letters and digits, or sbp_v0_ then 40 hex (the versioned form CredSweeper's "Supabase
// Credentials" reads, github.com/Samsung/CredSweeper, MIT). Provenance: Kingfisher's kingfisher.supabase.1
// (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'supabase-access-token',
    title: 'Supabase personal access token',
    severity: 'critical',
    token: format(
      'sbp_',
      re('(?:v0_[a-f0-9]{40}|[a-z0-9]{40})', (g) => (g.digits(1) < '5' ? `v0_${g.hex(40)}` : LOWER_ALNUM(40).make(g)))
    ),
    minEntropy: 3.0,
    lines: [(s) => `SUPABASE_ACCESS_TOKEN=${s}`, (s) => `+ supabase link --project-ref abcdefghijklmnop --token ${s}`],
    negatives: [`sbp_${'x'.repeat(40)}`, 'sbp_<your-token>']
  })
]
