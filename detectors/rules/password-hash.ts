// Password hashes that are as good as the password: md5crypt (crypt(3)'s
// `$1$`, a salted fast hash that GPUs try at millions of guesses a second)
// and a Kerberos AS-REP of etype 23 (RC4, what AS-REP roasting collects: an
// offline-crackable proof of the user's key). Provisioning and attack-tool
// output prints them; each calls for changing the password. Slow, salted
// verifiers — bcrypt, sha256crypt/sha512crypt, PBKDF2 — are what applications
// store and log by design and are not reported (test/support/noise.ts holds
// `password_hash=$2b$…` as a hard negative). Formats are facts from crypt(3)
// and hashcat's example hashes, as Nosey Parker's hashes.yml and kerberos
// rules state them (Apache-2.0).

import type { Gen } from '../gen.ts'
import type { Rule } from '../rule.ts'

// crypt(3)'s base64 alphabet.
const C64 = './0-9A-Za-z'
const CRYPT64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
// Hashes stand between quotes, colons (shadow, htpasswd) or spaces; never inside a longer run of the alphabet.
const BEFORE = `(?:^|[^${C64}$])`
const AFTER = `(?:[^${C64}$]|$)`

function hashRule(id: string, title: string, hash: string, keywords: string[], make: (g: Gen) => string, negatives: string[]): Rule {
  return {
    id,
    title,
    severity: 'medium',
    kind: 'pattern',
    regex: `${BEFORE}(${hash})${AFTER}`,
    keywords,
    // A hash is random salt and digest; a run of one character is a placeholder.
    minEntropy: 3.0,
    // crypt's base64 holds '.': a digest ending in "..." is three random characters, not a cut.
    dotsAreData: true,
    tags: ['password-hash'],
    examples: {
      positives: (g) =>
        [
          (s: string) => `deploy:${s}:19700:0:99999:7:::`,
          (s: string) => `{"level":"debug","msg":"creating user","user":"deploy","passwd":"${s}"}`,
          (s: string) => `TASK [users : set password] changed: [web-1] => (item={'name': 'deploy', 'password': '${s}'})`
        ].map((line) => {
          const secret = make(g)
          return { line: line(secret), secret }
        }),
      negatives
    }
  }
}

export const rules: Rule[] = [
  hashRule(
    'password-hash-md5crypt',
    'md5crypt password hash',
    `\\$1\\$[${C64}]{1,8}\\$[${C64}]{22}`,
    ['$1$'],
    (g) => `$1$${g.chars(CRYPT64, 8)}$${g.chars(CRYPT64, 22)}`,
    ["awk '{print $1$2}' file", `$1$salt$${'x'.repeat(22)}`]
  ),
  hashRule(
    'kerberos-asrep-hash',
    'Kerberos AS-REP (etype 23) roastable hash',
    // $krb5asrep$23$[user@REALM:]<32 hex checksum>$<hex encrypted part>, as impacket and Rubeus print it.
    '\\$krb5asrep\\$23\\$(?:[^$:\\s]+:)?[0-9a-f]{32}\\$[0-9a-f]{64,}',
    ['$krb5asrep$'],
    (g) => `$krb5asrep$23$svc-backup@CORP.EXAMPLE:${g.hex(32)}$${g.hex(232)}`,
    [`$krb5asrep$23$user@domain:${'0'.repeat(32)}$${'0'.repeat(232)}`, 'hashcat -m 18200 $krb5asrep$23$…']
  )
]
