import { madeUpValue } from '../gates.ts'
import type { Rule } from '../rule.ts'
import { password, secretsIn } from './define.ts'

// A password stated in a sentence: `The password is 'Secret123'`, `Your temporary password is:
// "Xk29!abQ"`, `the default password for user "pyne-user" is "…"` — what provisioning scripts, user
// creation jobs and installers print, and Nosey Parker's np.generic.11 to .14 (Apache-2.0) find in
// READMEs. The value must be quoted: unquoted, the word after "password is" is prose (`the password
// is incorrect`). Placeholders, stopwords and values that name a password are refused.

const QUOTED = `["'\`]`

export const rules: Rule[] = [
  {
    id: 'password-in-prose',
    title: 'Password stated in a sentence (the password is "…")',
    severity: 'medium',
    kind: 'pattern',
    regex: `(?i)(?:^|[^a-z0-9_])passw(?:or)?d(?: for [^"'\`\\n]{0,24}?(?:${QUOTED}[^"'\`\\n]{1,40}${QUOTED})?)? (?:is|was)(?::? {1,3})${QUOTED}([^"'\`\\s]{6,})${QUOTED}`,
    keywords: ['password is', 'password was', 'passwd is', 'password for'],
    minEntropy: 2.5,
    validate: (s) => s.length <= 64 && !madeUpValue(s) && !/passw(?:or)?d|^your[-_ ]|^<|\$\{|\{\{/i.test(s),
    // Not format-checked: never high confidence (the `unchecked` tag caps it at medium).
    tags: ['password', 'unchecked'],
    examples: {
      positives: secretsIn(password, [
        (s) => `The password is '${s}'`,
        (s) => `user svc-deploy created; temporary password is: "${s}" (change at first login)`,
        (s) => `The default password for user "admin" is "${s}".`
      ]),
      negatives: [
        'the password is incorrect',
        'The password is "changeme"',
        "The password is '<your password>'",
        'The password is "${ADMIN_PASSWORD}"',
        'the password was "REDACTED"',
        'password for user "bob" is "required"'
      ]
    }
  }
]
