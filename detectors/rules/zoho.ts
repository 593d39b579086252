import { format, HEX, tokenRule } from './define.ts'

// Zoho OAuth access and refresh tokens: 1000. then two runs of 32 hex digits joined by a dot.
// Provenance: Kingfisher's kingfisher.zohocrm.1 (github.com/mongodb/kingfisher, Apache-2.0); the
// regex is ours. "1000." is common in logs (durations, sizes): `follows` lets the regex run only
// when 32 hex digits come right after it.
export const rules = [
  tokenRule({
    id: 'zoho-oauth-token',
    title: 'Zoho OAuth access or refresh token',
    severity: 'high',
    token: format('1000.', HEX(32), '.', HEX(32)),
    follows: '[a-f0-9]{32}\\.',
    minEntropy: 3.0,
    lines: [(s) => `ZOHO_REFRESH_TOKEN=${s}`, (s) => `{"level":"debug","msg":"token refreshed","access_token":"${s}","expires_in":3600}`],
    negatives: ['took 1000.25 ms', `1000.${'0'.repeat(32)}.${'0'.repeat(32)}`]
  })
]
