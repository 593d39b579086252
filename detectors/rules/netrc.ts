import { NETRC_FOLLOWS } from '../follows-gate.ts'
import type { Rule } from '../rule.ts'
import { password, secretsIn } from './define.ts'

export const rules: Rule[] = [
  {
    id: 'netrc-password',
    title: '.netrc machine credentials',
    severity: 'high',
    kind: 'pattern',
    // One-line form: machine, login and password on a line, which may open a quoted string (a JSON log's
    // message, a YAML value) or follow a JSON-escaped newline.
    regex: '(?i)(?:^|[\\s"\'`]|\\\\n)machine\\s+\\S+\\s+(?:login\\s+\\S+\\s+)?password\\s+([^\\s"\']{6,})',
    keywords: ['machine'],
    allow: { secrets: ['^\\$\\{?[A-Za-z_]', '^<[^>]*>$', '^\\*+$'] },
    examples: {
      positives: secretsIn(password, [
        (s) => `+ echo machine artifactory.corp login ci password ${s} > ~/.netrc`,
        (s) => `{"level":"debug","msg":"machine artifactory.corp login ci password ${s}","step":"auth"}`
      ]),
      negatives: ['machine api.heroku.com login me password ${HEROKU_API_KEY}', 'machine learning model password reset flow']
    }
  },
  {
    id: 'netrc-password-line',
    fallback: true,
    title: '.netrc password line',
    severity: 'high',
    kind: 'generic',
    // The multi-line form: a line holding only `password <value>`. That line may also be a JSON
    // string (a structured log's message, a ConfigMap value), one line of a JSON-escaped text, or
    // the message of a logger's line (Spring's `c.a.Foo : `, Python's `name - `).
    regex: '(?i)(?:^|"|\\\\n|\\s[:-]\\s)\\s*password\\s+([^\\s"\'\\\\]{7,})\\s*(?:$|\\\\*"|\\\\+[nr])',
    keywords: ['password'],
    // The same source that follows-gate.ts walks without RE2.
    follows: NETRC_FOLLOWS,
    // Seven characters or more, as generic-password-assignment takes (pass123: Nosey Parker's and Kingfisher's netrc.1).
    // Passwords people pick (Summer2382%23mm) go under 3.0 one time in 10,000.
    minEntropy: 2.5,
    examples: {
      positives: secretsIn(password, [(s) => `  password ${s}`, (s) => `2025-06-01 01:04:10.598 DEBUG 1 --- [main] c.a.deploy.NetrcWriter :   password ${s}`]),
      negatives: [
        'password expired',
        '  password ${NETRC_PASSWORD}',
        'Password Requirements',
        '2025-06-01 01:04:10.598 INFO 1 --- [main] c.a.auth.Login : password verification-failed',
        'auth - password changed for user 42'
      ]
    }
  }
]
