import { ALPHABETS } from '../gen.ts'
import { charset, format, re, tokenRule } from './define.ts'
import { END_DASH, keyOf, named } from './patterns.ts'

// GoCardless access tokens: live_ (or sandbox_) then 40 to 42 characters of letters, digits, '-', '_'
// and '='. The prefix is too common a word to stand alone, so the token follows a GoCardless name
// with a credential word. Provenance: the format is from gitleaks' gocardless-api-token (MIT) and
// Kingfisher's kingfisher.gocardless.1 (Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'gocardless-access-token',
    title: 'GoCardless access token',
    severity: 'critical',
    token: format(
      re('(?:live|sandbox)_', (g) => (g.digits(1) < '5' ? 'live_' : 'sandbox_')),
      charset('A-Za-z0-9_=-', `${ALPHABETS.base64url}=`).atLeast(40, 40)
    ),
    regex: (t) => `${named(keyOf('gocardless'))}(${t})${END_DASH}`,
    keywords: ['gocardless'],
    minEntropy: 3.5,
    // 40 to 42 after the prefix; a bounded range that wide would leave RE2's DFA (rules.test.ts).
    validate: (s) => s.length - s.indexOf('_') - 1 <= 42,
    lines: [(s) => `GOCARDLESS_LIVE_KEY = "${s}"`, (s) => `{"level":"debug","msg":"client init","gocardless_access_token":"${s}"}`],
    negatives: [`GOCARDLESS_ACCESS_TOKEN=live_${'x'.repeat(40)}`, 'gocardless_token: live_<your-token>', 'gocardless webhook live_events processed: 12']
  })
]
