// Password hashes. md5crypt (crypt(3)'s `$1$`, a salted fast hash that GPUs
// try at millions of guesses a second) and a Kerberos AS-REP of etype 23 (RC4,
// what AS-REP roasting collects) are as good as the password: medium. The slow
// salted verifiers — bcrypt, sha256crypt/sha512crypt, yescrypt, Cisco IOS
// types 8 and 9 — cost a guesser far more, yet a hash in a log still lets
// anyone run an offline guess attack at leisure, and /etc/shadow or htpasswd
// content in a pod's output is something an operator wants to know about:
// low, which alerts and never rotates by itself (docs/detection.md#password-hashes).
// Each format is pinned down to its exact lengths, cost/rounds fields and the
// last character's unused bits, so that random base64 in a log does not pass.
// Formats are facts from crypt(3), libxcrypt's crypt(5), the bcrypt paper and
// hashcat's example hashes, as Nosey Parker's and Kingfisher's hashes.yml
// state them (Apache-2.0).

import type { Gen } from '../gen.ts'
import type { Rule } from '../rule.ts'

// crypt(3)'s base64 alphabet.
const C64 = './0-9A-Za-z'
const CRYPT64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
// bcrypt's own order of the same characters, and the last characters whose low bits are zero.
const BCRYPT64 = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const BCRYPT_LAST = '.CGKOSWaeimquy26'
const CISCO_LAST = '.26AEIMQUYcgkosw'
// Hashes stand between quotes, colons (shadow, htpasswd) or spaces; never inside a longer run of the alphabet.
const BEFORE = `(?:^|[^${C64}$])`
const AFTER = `(?:[^${C64}$]|$)`

function hashRule(
  id: string,
  title: string,
  hash: string,
  keywords: string[],
  make: (g: Gen) => string,
  negatives: string[],
  severity: Rule['severity'] = 'medium'
): Rule {
  return {
    id,
    title,
    severity,
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
  // $2a$/$2b$/$2y$ (and the buggy $2x$), a two-digit cost 04–31, 22 characters of salt and 31 of digest in
  // bcrypt's base64. The salt's 128 bits leave the low 4 bits of its last character zero, the digest's
  // 184 bits the low 2 of its last: the characters at those positions of `./A-Za-z0-9`.
  hashRule(
    'password-hash-bcrypt',
    'bcrypt password hash',
    `\\$2[abxy]\\$(?:0[4-9]|[12][0-9]|3[01])\\$[${C64}]{21}[.Oeu][${C64}]{30}[${BCRYPT_LAST}]`,
    ['$2a$', '$2b$', '$2y$', '$2x$'],
    (g) => `$2${g.chars('aby', 1)}$1${g.chars('0123', 1)}$${g.chars(BCRYPT64, 21)}${g.chars('.Oeu', 1)}${g.chars(BCRYPT64, 30)}${g.chars(BCRYPT_LAST, 1)}`,
    [
      // A cost outside 04–31 and a salt whose last character carries bits a 16-byte salt has not.
      `$2b$99$${'aB3.'.repeat(13)}a`,
      `$2b$12$${'Zq7/'.repeat(5)}xZ${'Zq7/'.repeat(7)}aB6`,
      'password_hash_algorithm=bcrypt cost=12'
    ],
    'low'
  ),
  // crypt(5)'s SHA-crypt: optional rounds=1000–999999999, up to 16 characters of salt, then 43 (SHA-256) or
  // 86 (SHA-512) characters of digest. Its little-endian base64 leaves the last character 4 bits (SHA-256:
  // `./0-9A-D`) or 2 bits (SHA-512: `./01`).
  hashRule(
    'password-hash-sha256crypt',
    'sha256crypt password hash',
    `\\$5\\$(?:rounds=[0-9]{4,9}\\$)?[${C64}]{1,16}\\$[${C64}]{42}[./0-9A-D]`,
    ['$5$'],
    (g) => `$5$${g.chars(CRYPT64, 16)}$${g.chars(CRYPT64, 42)}${g.chars(CRYPT64.slice(0, 16), 1)}`,
    [`$5$rounds=5000$abcdefgh$${'xY7/'.repeat(10)}xYz`, 'price: $5$ per seat'],
    'low'
  ),
  hashRule(
    'password-hash-sha512crypt',
    'sha512crypt password hash',
    `\\$6\\$(?:rounds=[0-9]{4,9}\\$)?[${C64}]{1,16}\\$[${C64}]{85}[./01]`,
    ['$6$'],
    (g) => `$6$${g.chars(CRYPT64, 16)}$${g.chars(CRYPT64, 85)}${g.chars('./01', 1)}`,
    [`$6$abcdefgh$${'xY7/'.repeat(21)}xZ`, 'echo $6$HOME'],
    'low'
  ),
  // libxcrypt's yescrypt (Debian's and Fedora's default for /etc/shadow): `$y$`, the encoded parameters
  // (`j9T` by default), the salt (22 characters by default; up to 40 taken), and a 32-byte digest in 43
  // characters whose last holds 4 bits.
  hashRule(
    'password-hash-yescrypt',
    'yescrypt password hash',
    `\\$y\\$[${C64}]{3,12}\\$[${C64}]{8,40}\\$[${C64}]{42}[./0-9A-D]`,
    ['$y$'],
    (g) => `$y$j9T$${g.chars(CRYPT64, 22)}$${g.chars(CRYPT64, 42)}${g.chars(CRYPT64.slice(0, 16), 1)}`,
    [`$y$j9T$shortsalt$${'xY7/'.repeat(10)}xYz`, 'regex: ^$y$'],
    'low'
  ),
  // Cisco IOS type 8 (PBKDF2-SHA-256) and type 9 (scrypt): `$8$`/`$9$`, 14 characters of salt, 43 of digest
  // in Cisco's big-endian base64 over `./0-9A-Za-z`, whose last character has its low 2 bits zero.
  hashRule(
    'password-hash-cisco',
    'Cisco IOS type 8/9 password hash',
    `\\$[89]\\$[${C64}]{14}\\$[${C64}]{42}[${CISCO_LAST}]`,
    ['$8$', '$9$'],
    (g) => `$${g.chars('89', 1)}$${g.chars(CRYPT64, 14)}$${g.chars(CRYPT64, 42)}${g.chars(CISCO_LAST, 1)}`,
    [`$8$abcdefghijklmn$${'xY7/'.repeat(10)}xYz`, '$9$abc$def'],
    'low'
  ),
  hashRule(
    'kerberos-asrep-hash',
    'Kerberos AS-REP (etype 23) roastable hash',
    // $krb5asrep$23$[user@REALM:]<32 hex checksum>$<hex encrypted part>, as impacket and Rubeus print it.
    '\\$krb5asrep\\$23\\$(?:[^$:\\s]+:)?[0-9a-f]{32}\\$[0-9a-f]{64,}',
    ['$krb5asrep$'],
    (g) => `$krb5asrep$23$svc-backup@CORP.EXAMPLE:${g.hex(32)}$${g.hex(232)}`,
    [`$krb5asrep$23$user@domain:${'0'.repeat(32)}$${'0'.repeat(232)}`, 'hashcat -m 18200 $krb5asrep$23$…']
  ),
  {
    // MySQL's mysql_native_password verifier: '*' and SHA-1(SHA-1(password)) in 40 upper-case hex, unsalted, so
    // one GPU tries billions of guesses a second (hashcat -m 300): as good as the password, like md5crypt. SHOW
    // CREATE USER, mysqldump, the binary and general logs print it (`IDENTIFIED WITH 'mysql_native_password' AS
    // '*…'`, the old `IDENTIFIED BY PASSWORD '*…'`), as does a dump of mysql.user (its plugin beside it, or the
    // authentication_string column's name).
    // sql-password refuses a verifier as no password; this rule reports it as the hash it is (CredSweeper's
    // "SQL Password" sample).
    id: 'password-hash-mysql-native',
    title: 'MySQL mysql_native_password hash',
    severity: 'medium',
    kind: 'pattern',
    regex: `(?i:mysql_native_password|authentication_string|by password)[^*\\n]{0,30}(\\*[0-9A-F]{40})(?:[^0-9A-Za-z]|$)`,
    // Not `password` alone: it is in one audit or CI line in ten, and waking this rule there cost json lines 2% (paired).
    keywords: ['mysql_native_password', 'authentication_string', 'by password'],
    requires: ['*'],
    minEntropy: 3.0,
    tags: ['password-hash'],
    examples: {
      positives: (g) =>
        [
          (s: string) => `ALTER USER 'app'@'%' IDENTIFIED WITH 'mysql_native_password' AS '${s}' REQUIRE NONE PASSWORD EXPIRE DEFAULT`,
          (s: string) => `CREATE USER 'repl'@'10.%' IDENTIFIED BY PASSWORD '${s}';`,
          (s: string) => `| app  | %    | mysql_native_password | ${s} |`
        ].map((line) => {
          const secret = `*${g.hex(40).toUpperCase()}`
          return { line: line(secret), secret }
        }),
      negatives: [
        `ALTER USER 'app'@'%' IDENTIFIED WITH 'mysql_native_password' AS '*${'0'.repeat(40)}'`,
        `password: ${'*'.repeat(41)}`,
        // caching_sha2_password's verifiers are salted and slow ($A$005$…), and lower-case hex is no MySQL output.
        `IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$abc'`
      ]
    }
  }
]
