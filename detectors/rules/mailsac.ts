import { BASE62, format, tokenRule } from './define.ts'
import { named } from './patterns.ts'

// Mailsac API keys: k_ then 36 or more letters and digits. "k_" alone is everywhere, so the key is
// anchored on Mailsac's name. Provenance: Kingfisher's kingfisher.mailsac.1
// (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'mailsac-api-key',
    title: 'Mailsac API key',
    severity: 'high',
    token: format('k_', BASE62.atLeast(36, 40)),
    regex: (t) =>
      `(?:${named('mailsac[\\w.-]{0,20}?(?:key|token|secret|auth)')}|(?i:mailsac)[\\w.\\s-]{0,20}?(?i:key|token|secret|private|access)\\s+)(${t})(?:[^A-Za-z0-9_]|$)`,
    keywords: ['mailsac'],
    minEntropy: 3.0,
    lines: [(s) => `MAILSAC_API_KEY=${s}`, (s) => `{"mailsac_key":"${s}"}`, (s) => `mailsac token ${s}`],
    negatives: [`MAILSAC_API_KEY=k_${'x'.repeat(36)}`, 'mailsac key k_short']
  })
]
