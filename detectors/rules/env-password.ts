import { shannonEntropy } from '../entropy.ts'
import { madeUpValue } from '../gates.ts'
import type { Gen } from '../gen.ts'
import type { Rule } from '../rule.ts'

// A password made of letters only (whiteduke, goodspec), in an environment variable: what `env`,
// `printenv`, `docker inspect` and CI debug output print, NAME=value with an upper-case NAME that
// ends in PASSWORD, PASSWD, PASS or PWD. The generic password rule refuses a short run of letters
// as a word (in `password: incorrect` or `password=required` it is one); in this shape the value is
// the literal that the program reads, and people pick words (Nosey Parker's and Kingfisher's
// np.reactapp.2 and kingfisher.reactapp.2 examples, Apache-2.0). Status words and stopwords a
// variable may hold instead (REDACTED, required, disabled) are refused, and so is a value that names
// what it stands for (mypassword, thisismypassword, yoursecret): documentation's placeholders.

const STATUS =
  /^(?:required|optional|disabled|enabled|invalid|incorrect|expired|missing|provided|changed|unchanged|filtered|sensitive|prompt|interactive|keychain|keyring|notset|unset|generated|random|inherit|external|override|none|empty)$/i

/** Letters the generator draws a word-like password from: two short words joined, as people pick. */
const WORDS = ['white', 'duke', 'good', 'spec', 'river', 'stone', 'maple', 'tiger', 'amber', 'falcon', 'copper', 'lunar', 'velvet', 'harbor']
const wordPassword = (g: Gen): string => {
  const pick = (): string => WORDS[Number(g.digits(2)) % WORDS.length] ?? 'river'
  // Two different words whose letters clear the rule's entropy bar (stonestone does not: people's
  // passwords that repeat a word are the bar's price).
  for (;;) {
    const a = pick()
    const b = pick()
    if (a !== b && shannonEntropy(a + b) >= 2.7) return a + b
  }
}

export const rules: Rule[] = [
  {
    id: 'env-password-word',
    title: 'Password made of letters in an environment variable (NAME_PASSWORD=word)',
    severity: 'medium',
    kind: 'pattern',
    // Case-sensitive: an environment variable's upper-case name, '=' with no blanks, then letters only to
    // a separator (values with digits or symbols are generic-password-assignment's).
    regex: '(?:^|[^A-Za-z0-9_])(?:[A-Z][A-Z0-9]*_)*(?:PASSWORD|PASSWD|PASS|PWD)=["\']?([A-Za-z]{8,})(?:[\\s"\'`,;)]|$)',
    keywords: ['password=', 'passwd=', 'pass=', 'pwd='],
    // `password=` in lower case (`rendered, password=<redacted>`) never matches: 1,839 of 8,925 regex runs on
    // the 16 MB plain shape were this rule's, 9 of them matches (issue #15).
    upperKeywords: true,
    minEntropy: 2.5,
    validate: (s) => s.length <= 40 && !madeUpValue(s) && !STATUS.test(s) && !/pass|pwd|secret|token/i.test(s),
    // A word, not a format: never high confidence (the `unchecked` tag caps it at medium), so it alerts but does not rotate by default.
    tags: ['password', 'unchecked'],
    examples: {
      positives: (g) => {
        const a = wordPassword(g)
        const b = wordPassword(g)
        const c = wordPassword(g)
        return [
          { line: `REACT_APP_AUTH_PASSWORD=${a}`, secret: a },
          { line: `+ export SMTP_PASS=${b}`, secret: b },
          { line: `declare -x POSTGRES_PASSWORD="${c}"`, secret: c }
        ]
      },
      negatives: [
        'DB_PASSWORD=REDACTED',
        'ADMIN_PASSWORD=required',
        'SMTP_PASSWORD=${SMTP_PASSWORD}',
        'db_password=whiteduke is not an env variable here',
        'LDAP_PASSWORD=qwertyuiop',
        'PASSWORD=changeme',
        'PASSWORD=aaaaaaaaaa',
        'DB_PASSWORD=mypassword',
        'AUTH_PASSWORD=disabled'
      ]
    }
  }
]
