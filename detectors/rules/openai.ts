import type { Gen } from '../gen.ts'
import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { END_DASH, START } from './patterns.ts'

// Every OpenAI secret key embeds T3BlbkFJ (base64 of "OpenAI") between two
// random halves: 20+20 base62 in legacy user keys, 58 or 74 base64url per
// half in project (sk-proj-, and sk-None- for keys without a project),
// service account (sk-svcacct-) and admin (sk-admin-) keys.
const MARK = 'T3BlbkFJ'
const HALF = '[A-Za-z0-9_-]{20,}'

function modernKey(g: Gen, prefix: string, half: number): string {
  return `${prefix}${g.chars(ALPHABETS.base64url, half)}${MARK}${g.chars(ALPHABETS.base64url, half)}`
}

export const rules: Rule[] = [
  {
    id: 'openai-project-key',
    title: 'OpenAI project API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(sk-(?:proj|None)-${HALF}${MARK}${HALF})${END_DASH}`,
    keywords: ['sk-proj-', 'sk-none-'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = modernKey(g, 'sk-proj-', 74)
        const b = modernKey(g, 'sk-None-', 58)
        return [
          { line: `OPENAI_API_KEY=${a}`, secret: a },
          { line: `curl https://api.openai.com/v1/chat/completions -H "Authorization: Bearer ${b}"`, secret: b }
        ]
      },
      negatives: ['OPENAI_API_KEY=sk-proj-...', `sk-proj-${'x'.repeat(74)}${MARK}${'x'.repeat(74)}`, 'OPENAI_API_KEY=sk-proj-<your key>']
    }
  },
  {
    id: 'openai-service-account-key',
    title: 'OpenAI service account API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(sk-svcacct-${HALF}${MARK}${HALF})${END_DASH}`,
    keywords: ['sk-svcacct-'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const secret = modernKey(g, 'sk-svcacct-', 74)
        return [{ line: `{"llm":{"provider":"openai","api_key":"${secret}"}}`, secret }]
      },
      negatives: [`sk-svcacct-${'A'.repeat(58)}${MARK}${'A'.repeat(58)}`]
    }
  },
  {
    id: 'openai-admin-key',
    title: 'OpenAI admin API key',
    severity: 'critical',
    kind: 'pattern',
    regex: `${START}(sk-admin-${HALF}${MARK}${HALF})${END_DASH}`,
    keywords: ['sk-admin-'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const secret = modernKey(g, 'sk-admin-', 58)
        return [{ line: `OPENAI_ADMIN_KEY=${secret}`, secret }]
      },
      negatives: ['OPENAI_ADMIN_KEY=sk-admin-...']
    }
  },
  {
    id: 'openai-legacy-key',
    title: 'OpenAI API key (legacy user key)',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(sk-[A-Za-z0-9]{20}${MARK}[A-Za-z0-9]{20})${END_DASH}`,
    keywords: [MARK.toLowerCase()],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `sk-${g.base62(20)}${MARK}${g.base62(20)}`
        const b = `sk-${g.base62(20)}${MARK}${g.base62(20)}`
        return [
          { line: `openai.api_key = "${a}"`, secret: a },
          { line: `OPENAI_API_KEY=${b} python app.py`, secret: b }
        ]
      },
      negatives: [`sk-${'x'.repeat(20)}${MARK}${'x'.repeat(20)}`, 'OPENAI_API_KEY=sk-...']
    }
  }
]
