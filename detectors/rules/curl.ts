import type { Rule } from '../rule.ts'
import { password, secretsIn } from './define.ts'

export const rules: Rule[] = [
  {
    id: 'curl-user-password',
    title: 'Password in a curl command line (-u user:password)',
    severity: 'high',
    // A password a person picked: generic (alerts, does not rotate by default), however sure the shape.
    kind: 'generic',
    // `curl … -u user:password` / `--user=user:password`, as `set -x` echoes it into CI logs. The user
    // part stops at ':'; an env reference or a bare user (curl prompts) is no match.
    // A continuation line (`  -u user:password`, after `\\`) counts too: curl's options span lines in CI scripts.
    regex: '(?i)(?:\\bcurl\\b[^\\n]*?\\s|^\\s*)(?:-u|--user)(?:\\s+|=)["\']?[^\\s:"\'$-][^\\s:"\']*:([^\\s"\']{4,})',
    keywords: ['curl', '-u ', '--user'],
    requires: [':'],
    minEntropy: 2.0,
    examples: {
      positives: secretsIn(password, [
        (s) => `+ curl -sf -u deploy:${s} https://nexus.example.com/repository/raw/app.tgz`,
        (s) => `curl --user=admin:${s} -X POST http://localhost:9200/_bulk`
      ]),
      negatives: [
        'curl -u "$USER:$PASS" https://x',
        'curl -u admin https://example.com',
        'curl -u ${NEXUS_USER}:${NEXUS_PASSWORD} https://x',
        'curl -u user:<password> https://x'
      ]
    }
  }
]
