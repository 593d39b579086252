import type { Rule } from '../rule.ts'
import { assigned } from './patterns.ts'

// API keys are 32 hex, application keys 40 hex: shapes shared with MD5 and
// git SHAs, and Datadog's own log injection writes dd.trace_id and
// DD_GIT_COMMIT_SHA next to them. So the key name must say Datadog (or DD_)
// and also say api/key (API key) or app (application key).
const DATADOG = '(?:datadog|(?:^|[^A-Za-z0-9])dd[_.-])'

export const rules: Rule[] = [
  {
    id: 'datadog-api-key',
    title: 'Datadog API key',
    severity: 'high',
    kind: 'pattern',
    regex: assigned(`${DATADOG}[\\w.-]{0,20}?(?:api|key)`, '[a-f0-9]{32}'),
    keywords: ['datadog', 'dd_', 'dd-', 'dd.'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = g.hex(32)
        const b = g.hex(32)
        const c = g.hex(32)
        return [
          { line: `DD_API_KEY=${a}`, secret: a },
          { line: `curl -X POST "https://api.datadoghq.com/api/v2/series" -H "DD-API-KEY: ${b}" -d @series.json`, secret: b },
          { line: `{"name":"DD_API_KEY","value":"${c}"}`, secret: c }
        ]
      },
      negatives: [
        `DD_API_KEY=${'0'.repeat(32)}`,
        'DD_API_KEY=<DATADOG_API_KEY>',
        // Trace ids are hex too, and sit in every log line Datadog's tracer touches.
        'dd.trace_id="0123456789abcdef0123456789abcdef" dd.span_id="1234567890"',
        'address_md5=0123456789abcdef0123456789abcdef'
      ]
    }
  },
  {
    id: 'datadog-app-key',
    title: 'Datadog application key',
    severity: 'high',
    kind: 'pattern',
    regex: assigned(`${DATADOG}[\\w.-]{0,20}?app`, '[a-f0-9]{40}'),
    keywords: ['datadog', 'dd_', 'dd-', 'dd.'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = g.hex(40)
        const b = g.hex(40)
        return [
          { line: `DD_APP_KEY=${a}`, secret: a },
          { line: `-H "DD-APPLICATION-KEY: ${b}"`, secret: b }
        ]
      },
      negatives: [
        `DD_APPLICATION_KEY=${'f'.repeat(40)}`,
        'DD_GIT_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567',
        'datadog.version=0123456789abcdef0123456789abcdef01234567'
      ]
    }
  }
]
