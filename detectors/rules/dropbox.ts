import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { charset, format, re, tokenRule } from './define.ts'
import { END, keyOf, named } from './patterns.ts'

// Dropbox short-lived access tokens (sl. then 130 or more base64url characters; gitleaks'
// dropbox-short-lived-api-token, Kingfisher's kingfisher.dropbox.1, whose example is bare) and app
// secrets (15 lower-case letters and digits after a Dropbox name with a credential word; gitleaks'
// dropbox-api-token). Formats from gitleaks (MIT) and Kingfisher (Apache-2.0); the regexes are ours.
export const rules: Rule[] = [
  tokenRule({
    id: 'dropbox-short-lived-token',
    title: 'Dropbox short-lived access token',
    severity: 'high',
    token: format(
      'sl.',
      re('(?:u\\.)?', () => ''),
      charset('A-Za-z0-9_=-', `${ALPHABETS.base64url}=`).atLeast(130, 138)
    ),
    // Only at a word start: `ssl.` and `tsl.` hold the prefix's letters.
    keywordStart: { keywords: ['sl.'], notAfter: 'alnum' },
    before: '(?:^|[^A-Za-z0-9_.-])',
    after: '(?:[^A-Za-z0-9_=-]|$)',
    minEntropy: 4.0,
    // The tokens Dropbox issues are under 1,400 characters; a longer run is a blob.
    validate: (s) => s.length <= 1400,
    lines: [(s) => `DROPBOX_ACCESS_TOKEN=${s}`, (s) => `curl -X POST https://api.dropboxapi.com/2/files/list_folder -H "Authorization: Bearer ${s}"`, (s) => s],
    negatives: [`sl.${'A'.repeat(140)}`, 'load nginx.ssl.conf from /etc/nginx/conf.d', `openssl.${'Ab1_'.repeat(35)}`]
  }),
  tokenRule({
    id: 'dropbox-app-secret',
    title: 'Dropbox app secret',
    severity: 'high',
    token: charset('a-z0-9', ALPHABETS.alnumLower)(15),
    regex: (t) => `${named(keyOf('dropbox'))}(${t})${END}`,
    keywords: ['dropbox'],
    // 15 characters of 36: one random secret in 200 is under 3.0 bits, none in a million under 2.25.
    minEntropy: 2.25,
    lines: [(s) => `dropbox_token: ${s}`, (s) => `DROPBOX_APP_SECRET=${s}`],
    negatives: ['DROPBOX_APP_SECRET=aaaaaaaaaaaaaaa', 'dropbox_token_ttl=3600', 'dropbox_token: <app-secret>', 'DROPBOX_SECRET=${DROPBOX_SECRET}']
  })
]
