import { BASE62, DIGITS, format, tokenRule } from './define.ts'
import { keyOf, named } from './patterns.ts'

// TrueNAS API keys: the key's number, -, then 64 letters and digits. The middleware logs its
// WebSocket calls (auth.login_with_api_key, the key as the only parameter), REST clients send it as
// a Bearer token, and the CLI and Kubernetes CSI drivers (democratic-csi) take it from config. The
// shape alone is not distinctive enough, so one of those anchors must come first.
//
// Provenance: Kingfisher's kingfisher.truenas.1 and .2 (github.com/mongodb/kingfisher, Apache-2.0);
// the regex is ours.
export const rules = [
  tokenRule({
    id: 'truenas-api-key',
    title: 'TrueNAS API key',
    severity: 'critical',
    token: format(DIGITS.between(1, 6, 2), '-', BASE62(64)),
    regex: (t) => `(?:"params"\\s*:\\s*\\[\\s*"|[Bb]earer\\s+|${named(keyOf('truenas|freenas'))})(${t})(?:[^A-Za-z0-9_-]|$)`,
    keywords: ['"params"', 'bearer', 'truenas', 'freenas'],
    minEntropy: 3.3,
    lines: [
      (s) => `{"id":"3f1c2b9a-77d0-4e1a-9b2c-0d9e8f7a6b5c","msg":"method","method":"auth.login_with_api_key","params":["${s}"]}`,
      (s) => `curl -H "Authorization: Bearer ${s}" https://nas.example.internal/api/v2.0/pool`,
      (s) => `TRUENAS_API_KEY=${s}`
    ],
    negatives: [`{"msg":"method","method":"auth.login_with_api_key","params":["1-${'x'.repeat(64)}"]}`, '{"params":["12-short"]}']
  })
]
