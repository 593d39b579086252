// Salesforce session ids and OAuth access tokens: the org id (`00D` + 12 or
// 15 characters), `!`, then the session part. `sf org display`, `sfdx
// force:org:display` and Apex debug logs print them; one is a live session
// with the user's permissions. Format from Salesforce's session id layout as
// Nosey Parker's np.salesforce.1 states it (Apache-2.0).

import { ALPHABETS } from '../gen.ts'
import { tokenRule } from './define.ts'

export const rules = [
  {
    ...tokenRule({
      id: 'salesforce-access-token',
      title: 'Salesforce session id or OAuth access token',
      severity: 'high',
      token: {
        regex: '00D[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?![A-Za-z0-9._]{80,}',
        make: (g) => `00D${g.base62(12)}!${g.chars(`${ALPHABETS.base62}._`, 96)}`,
        prefix: '00D',
        dash: false
      },
      keywords: ['00d'],
      // The org id (12 or 15 characters) and its `!`.
      follows: '[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?!',
      before: '(?:^|[^A-Za-z0-9])',
      after: '(?:[^A-Za-z0-9._]|$)',
      minEntropy: 4.0,
      lines: [(s) => `Access Token      ${s}`, (s) => `{"result":{"accessToken":"${s}","instanceUrl":"https://acme.my.salesforce.com"}}`],
      negatives: ['Access Token      00D000000000000!<session>', `00D5f000000ABCD!${'x'.repeat(96)}`]
    }),
    // `00d` is in one hex run in a hundred: the org id's case and the `!` are checked before the regex runs.
    requires: ['00D', '!'],
    // The session part's alphabet holds '.': one in 260,000 ends in "..." (a rules-stability seed), and the
    // regex takes 80 characters or more after the '!', not a value cut short for display.
    dotsAreData: true
  }
]
