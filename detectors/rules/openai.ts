import { BASE62, BASE64URL, format, re, tokenRule } from './define.ts'
import { END_DASH } from './patterns.ts'

// Every OpenAI secret key embeds T3BlbkFJ (base64 of "OpenAI") between two
// random halves: 20+20 base62 in legacy user keys, 58 or 74 base64url per
// half in project (sk-proj-, and sk-None- for keys without a project),
// service account (sk-svcacct-) and admin (sk-admin-) keys.
const MARK = 'T3BlbkFJ'
/** A modern key: `prefix`, then two halves of at least 20 base64url around the mark; examples draw `half` per half. */
const modern = (prefix: string, half: number) => format(prefix, BASE64URL.atLeast(20, half), MARK, BASE64URL.atLeast(20, half))

export const rules = [
  tokenRule({
    id: 'openai-project-key',
    title: 'OpenAI project API key',
    severity: 'high',
    token: format(re('sk-(?:proj|None)-'), modern('', 74)),
    keywords: ['sk-proj-', 'sk-none-'],
    minEntropy: 4.0,
    positives: (g) => {
      const a = modern('sk-proj-', 74).make(g)
      const b = modern('sk-None-', 58).make(g)
      return [
        { line: `OPENAI_API_KEY=${a}`, secret: a },
        { line: `curl https://api.openai.com/v1/chat/completions -H "Authorization: Bearer ${b}"`, secret: b }
      ]
    },
    negatives: ['OPENAI_API_KEY=sk-proj-...', `sk-proj-${'x'.repeat(74)}${MARK}${'x'.repeat(74)}`, 'OPENAI_API_KEY=sk-proj-<your key>']
  }),
  tokenRule({
    id: 'openai-service-account-key',
    title: 'OpenAI service account API key',
    severity: 'high',
    token: modern('sk-svcacct-', 74),
    minEntropy: 4.0,
    lines: [(s) => `{"llm":{"provider":"openai","api_key":"${s}"}}`],
    negatives: [`sk-svcacct-${'A'.repeat(58)}${MARK}${'A'.repeat(58)}`]
  }),
  tokenRule({
    id: 'openai-admin-key',
    title: 'OpenAI admin API key',
    severity: 'critical',
    token: modern('sk-admin-', 58),
    minEntropy: 4.0,
    lines: [(s) => `OPENAI_ADMIN_KEY=${s}`],
    negatives: ['OPENAI_ADMIN_KEY=sk-admin-...']
  }),
  tokenRule({
    id: 'openai-legacy-key',
    title: 'OpenAI API key (legacy user key)',
    severity: 'high',
    token: format('sk-', BASE62(20), MARK, BASE62(20)),
    after: END_DASH,
    keywords: [MARK.toLowerCase()],
    minEntropy: 4.0,
    lines: [(s) => `openai.api_key = "${s}"`, (s) => `OPENAI_API_KEY=${s} python app.py`],
    negatives: [`sk-${'x'.repeat(20)}${MARK}${'x'.repeat(20)}`, 'OPENAI_API_KEY=sk-...']
  })
]
