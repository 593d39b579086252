// Sidekiq Pro and Enterprise licence credentials: Bundler reads them from
// BUNDLE_GEMS__CONTRIBSYS__COM / BUNDLE_ENTERPRISE__CONTRIBSYS__COM or from
// the gem source URL, as `<8 hex>:<8 hex>` (Bundler's credential for the
// gems.contribsys.com and enterprise.contribsys.com sources). CI logs print
// both when a Bundler config or a Gemfile source is echoed. Format from
// gitleaks' sidekiq-secret and sidekiq-sensitive-url rules (MIT).

import type { Gen } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { secretsIn } from './define.ts'
import { assignedThen, END } from './patterns.ts'

const PAIR = '[a-f0-9]{8}:[a-f0-9]{8}'
const pair = (g: Gen): string => `${g.hex(8)}:${g.hex(8)}`

export const rules: Rule[] = [
  {
    id: 'sidekiq-secret',
    title: 'Sidekiq Pro/Enterprise licence credential in Bundler configuration',
    severity: 'high',
    kind: 'pattern',
    regex: assignedThen('bundle_(?:enterprise|gems)__contribsys__com', PAIR, END),
    keywords: ['contribsys__com'],
    examples: {
      positives: secretsIn(pair, [
        (s) => `export BUNDLE_ENTERPRISE__CONTRIBSYS__COM=${s}`,
        (s) => `  BUNDLE_GEMS__CONTRIBSYS__COM: "${s}"`,
        (s) => `+ bundle config set --global BUNDLE_GEMS__CONTRIBSYS__COM=${s} && bundle install`
      ]),
      negatives: [
        'BUNDLE_GEMS__CONTRIBSYS__COM=${SIDEKIQ_CREDENTIALS}',
        'BUNDLE_GEMS__CONTRIBSYS__COM: <user>:<password>',
        'BUNDLE_GEMS__CONTRIBSYS__COM is not set'
      ]
    }
  },
  {
    id: 'sidekiq-sensitive-url',
    title: 'Sidekiq Pro/Enterprise gem source URL with its licence credential',
    severity: 'high',
    kind: 'pattern',
    regex: `(?i:https?)://(${PAIR})@(?i:gems|enterprise)\\.contribsys\\.com(?:[^A-Za-z0-9_.-]|$)`,
    keywords: ['contribsys.com'],
    examples: {
      positives: secretsIn(pair, [
        (s) => `source "https://${s}@gems.contribsys.com/" do`,
        (s) => `Fetching gem metadata from https://${s}@enterprise.contribsys.com/..`,
        (s) => `{"level":"info","msg":"bundler source","url":"http://${s}@gems.contribsys.com:443/"}`
      ]),
      negatives: [
        'source "https://gems.contribsys.com/" do',
        'https://user:pass@gems.contribsys.com/',
        'https://${SIDEKIQ_USER}:${SIDEKIQ_PASS}@enterprise.contribsys.com/'
      ]
    }
  }
]
