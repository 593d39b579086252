import type { Rule } from '../rule.ts'
import { HEX, tokenRule } from './define.ts'
import { assigned } from './patterns.ts'

// API keys are 32 hex, application keys 40 hex: shapes shared with MD5 and
// git SHAs, and Datadog's own log injection writes dd.trace_id and
// DD_GIT_COMMIT_SHA next to them. So the key name must say Datadog (or DD_)
// and also say api/key (API key) or app (application key).
const DATADOG = '(?:datadog|(?:^|[^A-Za-z0-9])dd[_.-])'
const KEYWORDS = ['datadog', 'dd_', 'dd-', 'dd.']
// DATADOG reads `dd` only after the line's start or a byte outside [A-Za-z0-9], so an occurrence of `dd-` in
// a UUID or hex id (`…4edd-…`, ~2,200 regex runs on a 16 MB JSON log and no match; issue #15) wakes no rule.
const DD_START = (): NonNullable<Rule['keywordStart']> => ({ keywords: ['dd_', 'dd-', 'dd.'], notAfter: 'alnum' })

export const rules = [
  tokenRule({
    id: 'datadog-api-key',
    title: 'Datadog API key',
    severity: 'high',
    token: HEX(32),
    regex: (t) => assigned(`${DATADOG}[\\w.-]{0,20}?(?:api|key)`, t),
    keywords: KEYWORDS,
    keywordStart: DD_START(),
    minEntropy: 2.5,
    lines: [
      (s) => `DD_API_KEY=${s}`,
      (s) => `curl -X POST "https://api.datadoghq.com/api/v2/series" -H "DD-API-KEY: ${s}" -d @series.json`,
      (s) => `{"name":"DD_API_KEY","value":"${s}"}`
    ],
    negatives: [
      `DD_API_KEY=${'0'.repeat(32)}`,
      'DD_API_KEY=<DATADOG_API_KEY>',
      // Trace ids are hex too, and sit in every log line Datadog's tracer touches.
      'dd.trace_id="0123456789abcdef0123456789abcdef" dd.span_id="1234567890"',
      'address_md5=0123456789abcdef0123456789abcdef'
    ]
  }),
  tokenRule({
    id: 'datadog-app-key',
    title: 'Datadog application key',
    severity: 'high',
    token: HEX(40),
    regex: (t) => assigned(`${DATADOG}[\\w.-]{0,20}?app`, t),
    keywords: KEYWORDS,
    keywordStart: DD_START(),
    minEntropy: 2.5,
    lines: [(s) => `DD_APP_KEY=${s}`, (s) => `-H "DD-APPLICATION-KEY: ${s}"`],
    negatives: [
      `DD_APPLICATION_KEY=${'f'.repeat(40)}`,
      'DD_GIT_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567',
      'datadog.version=0123456789abcdef0123456789abcdef01234567'
    ]
  })
]
