import { shannonEntropy } from '../entropy.ts'
import { valuePlausible } from '../gates.ts'
import type { Gen } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { password, secretsIn } from './define.ts'
import { ASSIGNMENT_HEAD, ASSIGNMENT_OPENING } from './patterns.ts'

// After the secret-ish word of a name: the rest of the name, a closing quote, `=`, `:`, `:=` or `=>`, and
// the shortest value the rule takes (masked CI values such as `GITHUB_TOKEN: ***` stop here).
const assignment = (value: string): string => `${ASSIGNMENT_HEAD}${ASSIGNMENT_OPENING}${value}`

// The flags' keywords, shared by generic-cli-credential and cli-token-uuid. The single-dash flags with the blank
// before them, as the regexes have it: `-token`, `-secret` and `-api` alone are in every other JSON log line
// (`refresh-token`, `x-api-key`), and waking a rule on them cost 2-5% (paired).
const CLI_FLAG_KEYWORDS = [
  '--pass',
  '--token',
  '--api',
  '--access-token',
  '--auth-token',
  '--secret',
  '--client-secret',
  '--oauth2-bearer',
  ' -pass',
  ' -token',
  ' -secret',
  ' -api',
  ' -storepass',
  ' -srcstorepass',
  ' -deststorepass',
  ' -keypass',
  // The compound flags by their last word: with the dash before it and, for the words that end many other
  // names (`refresh-token":` in a JSON log), the separator after it.
  '-password',
  '-passwd',
  '-passphrase',
  '-token ',
  '-token=',
  '-token:',
  '-secret ',
  '-secret=',
  '-secret:',
  '-api-key',
  '-apikey',
  '-access-key',
  '-secret-key'
]
/**
 * A command-line flag ending in one of `words` (an alternation), with up to three words before it naming whose
 * credential it is (`--registration-token`, `--docker-password`), then `=`, PowerShell's `:` or blanks.
 */
const cliFlag = (words: string): string => `--?(?:[a-z0-9]+[-_.]){0,3}(?:${words})(?:=|:|\\s+)`
// Paging and idempotency tokens (the AWS CLI's `--starting-token`, `--next-token`, `--client-token`), not credentials.
const NOT_CREDENTIAL_FLAG = '(?i)(?:next|page|starting|continuation|pagination|sync|resume|csrf|xsrf|client|idempotency|cancellation|request)[-_.]token'

/** Five letters and two digits, seven different characters (entropy log2 7, over the rule's bar), redrawn while a typed run. */
function sevenCharacters(g: Gen): string {
  for (;;) {
    const s = `${g.chars('abcdefghijkmnpqrstuvwxyz', 5)}${g.digits(2)}`
    if (new Set(s).size === 7 && valuePlausible(s)) return s
  }
}

export const rules: Rule[] = [
  {
    id: 'generic-password-assignment',
    fallback: true,
    title: 'Password assigned in configuration or a command line',
    severity: 'medium',
    kind: 'generic',
    // NAME=value, NAME: value, "name": "value", --name=value, name => value (Ruby, Perl), name := value (Go,
    // Makefiles), where NAME ends in
    // a password-ish word or its common misspellings and abbreviations (PSWD, PASWD, PSSWRD, PASWORD: the
    // names CredSweeper's samples list), in `pass` after a word and a separator (DB_PASS, smtp.pass: not
    // bypass, compass) or, in an upper-case constant, a service's name (MYSQLPASS, SMTPPASS; not BYPASS), or in `pw` alone or after a
    // separator (PW:, my_pw:, DB_PW=).
    // `pass` alone is a test runner's verdict (`--- PASS: TestHandler_Rejects401`, `PASS: tests/…::test_ok`,
    // CTest's `Pass: build-x86_64-linux-gnu`): only with a quoted value (nodemailer's `pass: '…'`, a script's
    // `PASS = '…'`, Nosey Parker's np.generic.3), which no runner prints, or after a user, login, id or
    // account assigned on the same line, the other half of a credential pair (`user=admin,pass=…`,
    // `ID:admin/PASS:…`: CredSweeper's doc_id_pair_passwd_pair samples); no runner prints a user before its verdict.
    // The value stops at whitespace, quotes and separators. A backtick right after the opening quote is the
    // password's first character (`'\`123QWERasdf'`, Nosey Parker's np.generic.3): it is left out of the
    // secret, while an unquoted backtick still opens a command substitution, never a password.
    // Blanks around the operator stay on the line: in a decoded view (a JSON string's `\n`) an empty
    // `password=` must not take the next line's `jdbc.url=` for its value.
    regex:
      '(?:^|[^A-Za-z0-9])(?:(?:(?i:[a-z0-9_.-]*(?:password|passwords|passwd|passphrase|pwd|pa?ss?w(?:o?r)?d)|[a-z0-9]+[_.-]pass|(?:[a-z0-9]+[_-])?pw|(?:user(?:[ _-]?(?:name|id))?|login|id|account)["\']?[ \\t]*[:=][ \\t]*[^\\s,;/]+[ \\t]*[,;/ ][ \\t]*-?(?:[a-z0-9]+[_-])?pass)|(?:[A-Z0-9]+_)?(?:DB|SQL|MYSQL|PSQL|PG|POSTGRES|SMTP|MAIL|FTP|SFTP|LDAP|REDIS|AMQP|MQ|MONGO|ADMIN|ROOT|USER|WIFI|VNC|RDP|SSH|PROXY|STORE|KEY)PASS)["\']?[ \\t]*(?:=>|:=|=|:)[ \\t]*(?:["\']`|["\']?)|(?i:pass)["\']?[ \\t]*(?:=>|:=|=|:)[ \\t]*["\']`?)([^\\s"\'`,;&<>]{7,})',
    // Not a value the gates always refuse: all stars (masked, 8 of 10 matches on the bench corpus).
    // The regex would match it and the gates would throw it away. (RE2: no lookahead, so a value
    // that has something other than stars before its end.)
    follows: assignment('`?\\**[^*\\s"\'`,;&<>]'),
    // 'pw' also wakes on `upward` and `pwd`; the follows gate (an assignment right after) drops those lines.
    keywords: ['pass', 'pwd', 'pw', 'psw', 'pssw', 'pasw'],
    // Passwords people pick (Harbor2355*f555) go under 2.8 one time in 100,000.
    minEntropy: 2.5,
    allow: {
      // Templates, env references, masks and well-known non-secrets are not leaks.
      secrets: [
        '^\\$\\{?[A-Za-z_]',
        '^\\{\\{',
        '^%\\(',
        '^<.*>$',
        '^\\*+$',
        '^x+$',
        '(?i)^(?:changeme|password|redacted|placeholder|example|undefined)',
        // The short words only as a whole word (`None|…`, `null/…`): as the first letters of a value they are in
        // one random base62 password in 310,000 (nONeSNvD…), and in people's (Truelove…).
        '(?i)^(?:null|none|true|false)(?:[^a-z0-9]|$)',
        '^\\[?(?:REDACTED|MASKED|FILTERED|HIDDEN)\\]?$',
        // A lower-case relative path or a Rails route (`'/forgot-password' => "users/passwords#update"`).
        '^[a-z0-9_.-]+(?:/[a-z0-9_.-]+)+(?:#[a-z0-9_]+)?$',
        // A number in C's hex notation (`password = "0xAb19D82E7f546cC3"`: CredSweeper's negative), not a password.
        '^0[xX][0-9a-fA-F]+$'
      ]
    },
    examples: {
      positives: (g) => [
        ...secretsIn(password, [
          (s) => `DB_PASSWORD=${s}`,
          (s) => `{"user":"app","password":"${s}"}`,
          (s) => `mysql -u root --password=${s} -h db`,
          (s) => `REGISTRY_PASSWORD := ${s}`,
          (s) => `SMTP_PASS=${s}`,
          (s) => `  auth: { user: 'mailer@example.com', pass: '${s}' },`,
          (s) => `password = '\`${s}'`,
          (s) => `X3_PSWD=${s}`,
          (s) => `PASWORD:=${s}`,
          (s) => `MYSQLPASS: ${s}`,
          (s) => `my_pw: ${s}`,
          (s) => `ID:admin,PW:${s}`,
          (s) => `user=deploy,pass=${s}`,
          (s) => `2026-12-07 09:14:03 INFO ftp session opened username:backup pass:${s}`
        ])(g),
        // Seven characters, the shortest this rule takes: a person's password with a digit or a symbol (hunter2,
        // CredSweeper's `"password": "dkajco1"`). Seven letters alone read as a word (the value gates).
        ...secretsIn(sevenCharacters, [(s) => `{"user":"svc","password":"${s}"}`])(g)
      ],
      negatives: [
        'password: "missing"',
        'password=${DB_PASSWORD}',
        'password: {{ .Values.password }}',
        'PASSWORD=********',
        'password=changeme123',
        'db_password := os.Getenv("DB_PASSWORD")',
        'password_reset_url=/account/reset',
        `put '/forgot-password' => "users/passwords#update"`,
        'password: <your-password>',
        'the password is required',
        'bypass=localhost.internal',
        'compass: northwest-by-north',
        'DB_PASS=`cat /run/secrets/db`',
        // Test runners' verdicts: go test -v, go test -json, pytest, CTest.
        '--- PASS: TestHandler_Rejects401 (0.01s)',
        '    --- PASS: TestParse/case_7f3a9 (0.00s)',
        '{"Time":"2026-12-07T07:00:00Z","Action":"output","Package":"example.com/auth","Test":"TestTokenRefresh2","Output":"--- PASS: TestTokenRefresh2 (0.02s)\\n"}',
        'PASS: tests/unit/test_auth_v2.py::test_login_ok',
        '[ctest] Pass: build-x86_64-linux-gnu',
        'pass: build-x86_64-linux-gnu',
        'PASS: TestHandler_Rejects401/with-expired-token',
        'BYPASS: TestHandler_Rejects401',
        'upward: northwest-by-north',
        'pw: ********',
        'job id: 42 --- PASS: TestParse/case_7f3a9 (0.00s)',
        'user=deploy pass=${FTP_PASS}'
      ]
    }
  },
  {
    id: 'generic-secret-assignment',
    fallback: true,
    title: 'Secret, API key or token assigned in configuration',
    severity: 'medium',
    kind: 'generic',
    // env (NAME=v), YAML (name: v), JSON ("name": "v"), INI (name = v) where the name ENDS in a
    // secret-ish word, or in one and a short number (api_token_2, creds1; gitleaks' generic-api-key), `value`
    // (token_value, secret-value: CredSweeper's samples) or `string` (AWS Secrets Manager's `"SecretString": "…"`
    // in SDK debug output and `get-secret-value` in CI logs; mySecretString, gitleaks' generic-api-key),
    // and is not a segment of an ARN or URN (arn:aws:secretsmanager:…:secret:prod/db):
    // `secret_name`, `token_url`, `tokenizer` do not qualify. A compound name may be two words, as messages and
    // forms write it (`using API key: …`, `Secret Key: …`; CredSweeper's samples), except `private key`, which
    // names a file far more often than it holds one. Values must look random: token charset, 15+ characters
    // (CredSweeper's samples hold 15-character keys), and the entropy/placeholder gates of generic rules. The value's
    // opening quote may be escaped once or twice (`clientSecret: \\'…\\'` inside a JavaScript string); a
    // backslash before anything else is an escape of its own (`API_KEY=\\nNEXT_KEY=`), never the value's start.
    regex:
      '(?i)(?:^|[^a-z0-9:-])(?:(?:[a-z0-9_.][a-z0-9_.-]*)?(?:secret|secret[_. -]?key|api[_. -]?key|apikey|access[_. -]?key|auth(?:entication)?[_. -]?key|private[_.-]?key|token|auth[_.-]?token|access[_.-]?token|refresh[_.-]?token|bearer|credentials?|creds|client[_.-]?secret|signing[_. -]?key|encryption[_. -]?key|master[_. -]?key)(?:[_.-]?(?:[0-9]{1,3}|value|string))?)["\']?[ \\t]*(?:=|:|=>)[ \\t]*(?:\\\\{1,2}["\']|["\']?)([A-Za-z0-9+/_.~=-]{15,})(?:[^A-Za-z0-9+/_.~=-]|$)',
    follows: assignment('[A-Za-z0-9+/_.~=-]{15}'),
    // Not 'key' alone: it is in a quarter of all log lines (cache keys, map keys), while the regex only
    // accepts names that end in one of these.
    keywords: [
      'secret',
      'token',
      'bearer',
      'credential',
      'creds',
      ...['api', 'access', 'auth', 'private', 'signing', 'encryption', 'master'].flatMap((w) => ['', '_', '.', '-'].map((sep) => `${w}${sep}key`)),
      // Two-word names whole: the follows gate reads an assignment right after the keyword.
      ...['secret', 'api', 'access', 'auth', 'authentication', 'signing', 'encryption', 'master'].map((w) => `${w} key`)
    ],
    // 24 random base62 characters are under 3.5 one time in 100,000, under 3.3 one in ten million. Hex has
    // 16 symbols, not 62: 32 or more hex are held to this rule's bar of 2.5 only (the cheap test first: the
    // entropy is computed again here; a repeated run such as abcdef… is the periodic gate's, gates.ts). 32 random hex are under 3.0 one time in 10,000 (1.06e-4 of 10 million drawn),
    // under 2.7 two in ten million, and none of ten million under 2.5; at 3.0 this rule refused one real
    // 32-hex key in 10,000.
    minEntropy: 2.5,
    validate: (s) => /^[0-9a-f]{32,}$/.test(s) || shannonEntropy(s) >= 3.3,
    // Digests, ids and references are assigned to such names too. Digit-free names are the engine's
    // identifier gate's: a digit-free random token (1.5% of 24-character ones) is still a leak.
    allow: {
      // Tokens that are public by design (CSRF tokens, publishable and public keys), and Maven coordinates of the
      // JWT library (`io.jsonwebtoken:jjwt-api:0.11.2`), which Java build logs print by the hundred. And a
      // value that is itself an assignment of a scheme, cut at its colon: `client_secret: DATABASE_URL=postgres://…`
      // took `DATABASE_URL=postgres` (fuzz seed 20261211, mask-scan case 2540); the URL's password is the URL rules'.
      // Stakater Reloader's STAKATER_<NAME>_SECRET holds a digest of the Secret it watches.
      matches: [
        '(?i)(?:^|[^a-z])(?:csrf|xsrf|public|publishable)[_.-]?(?:token|key)',
        '(?i)jsonwebtoken["\']?\\s*:',
        '(?:=|:|=>)[ \\t]*["\']?[A-Za-z_][A-Za-z0-9_]*=[a-z][a-z0-9+.-]*:$',
        '(?i)stakater_'
      ],
      // Helm's `checksum/secret` annotation: a digest of the chart's Secret (the match starts after the slash).
      lines: ['(?i)checksum/[a-z0-9_.-]*["\']?[ \\t]*[=:]'],
      // A SHA-1 (a commit, a digest of a Secret, an idempotency or sync token): 40 hex is a credential only under
      // the names generic-hex-credential-assignment takes.
      secrets: [
        '^[0-9a-f]{40}$',
        '^(?:sha(?:1|256|384|512)|md5)[:-]',
        '^[a-z]+(?:[-_.][a-z]+)+$',
        '^[0-9]+$',
        '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      ]
    },
    examples: {
      positives: (g) => {
        const a = g.base62(32)
        const b = g.base62(40)
        const c = `${g.base62(20)}/${g.base62(12)}`
        const d = g.base62(24)
        // Fifteen characters, the shortest this rule takes; drawn again until over the entropy bar and holding a
        // digit, as a key is (fifteen letters alone read as a word: the value gates' rule for values under 20).
        let e = g.base62(15)
        while (shannonEntropy(e) < 3.5 || !/[0-9]/.test(e)) e = g.base62(15)
        const f = g.base62(24)
        return [
          { line: `export PAYMENTS_API_KEY=${a}`, secret: a },
          { line: `secret=${e}`, secret: e },
          { line: `tp_token_value="${b}"`, secret: b },
          { line: `INFO  client.go:88 using API key: ${f}`, secret: f },
          { line: `Secret Key: ${c.replace('/', '')}`, secret: c.replace('/', '') },
          { line: `{"level":"debug","config":{"client_secret":"${b}"}}`, secret: b },
          { line: `  signingKey: ${c}`, secret: c },
          { line: `auth_token = ${d}`, secret: d },
          { line: `    "SecretString": "${f}",`, secret: f },
          { line: `'\\\\n        clientSecret: \\\\'${b}\\\\','+`, secret: b }
        ]
      },
      negatives: [
        'secret_name: payments-db-credentials',
        'loaded private key: /etc/ssl/private/server-key.pem',
        'API key: not configured, falling back to anonymous access',
        'token_url=https://auth.example.com/oauth/token',
        'api_key: ${API_KEY}',
        'apiKey: "{{ .Values.apiKey }}"',
        'client_secret: <client-secret>',
        'secretKeyRef: {name: db, key: password}',
        'token=0000000000000000000000000000',
        'access_token: xxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        'tokenizer=sentencepiece-unigram-32k',
        'GITHUB_API_KEY=\\nDYNATRACE_API_KEY=',
        // Digests under secret-ish names: Stakater Reloader (its env and `kubectl describe`), controllers' logs,
        // idempotency and ETag tokens, Helm's checksum annotation (a SHA-256 there).
        'STAKATER_APP_SECRETS_SECRET=2fd4e1c67a2d28fced849ee1bb76e7391b93eb12',
        '      STAKATER_APP_SECRETS_SECRET:  2fd4e1c67a2d28fced849ee1bb76e7391b93eb12',
        'secret: de9f2c7fd25e1b3afad3e85a0bd17d9b100db4b3',
        '{"level":"info","msg":"synced","secret":"de9f2c7fd25e1b3afad3e85a0bd17d9b100db4b3"}',
        'reconciled ExternalSecret token=7c4a8d09ca3762af61e59520943dc26494f8941b',
        '{"idempotency_token":"7c4a8d09ca3762af61e59520943dc26494f8941b"}',
        '        checksum/secret: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
        'checksum/secret=2fd4e1c67a2d28fced849ee1bb76e7391b93eb12',
        'ETag token: 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12'
      ]
    }
  },
  {
    id: 'generic-hex-credential-assignment',
    fallback: true,
    title: 'OAuth client secret, access token or API key of 40 hex assigned in configuration',
    severity: 'medium',
    kind: 'generic',
    // 40 hex is a SHA-1's shape: a commit, a digest of a Secret (Stakater Reloader), an idempotency or sync token.
    // It is a credential under a name that says OAuth, client credential or API key: GitHub OAuth client secrets
    // and classic OAuth tokens, Particle access tokens (Nosey Parker's np.gitalk.1, np.particleio.1). The rest of
    // the shape is generic-secret-assignment's, which refuses 40 hex under every other name.
    regex:
      '(?i)(?:^|[^a-z0-9:-])(?:[a-z0-9_.-]*(?:client[_.-]?secret|oauth[_.-]?(?:secret|token)|access[_.-]?token|refresh[_.-]?token|api[_.-]?key|apikey)(?:[_.-]?[0-9]{1,3})?)["\']?[ \\t]*(?:=|:|=>)[ \\t]*(?:\\\\{1,2}["\']|["\']?)((?-i:[0-9a-f]{40}))(?:[^A-Za-z0-9+/_.~=-]|$)',
    follows: assignment('[0-9a-f]{40}'),
    keywords: ['secret', 'token', 'apikey', 'api_key', 'api.key', 'api-key'],
    // Random 40-hex values, 10 million drawn: under 3.3 one in 700, under 3.0 1.6 in a million (rules-stability
    // met one: LEAKWATCH_TEST_SEED=2221711010, newrelic-license-key-hex), under 2.9 three in ten million, none
    // under 2.8; a run of one symbol or two (a placeholder) is far below 2.5.
    minEntropy: 2.5,
    allow: {
      // A SHA-1 under a name that says it is a digest, a revision or a cursor (cache_access_token_sha, git_api_key_rev),
      // opened as the rule's regex opens a value, escaped quotes included.
      matches: [
        '(?i)(?:commit|sha|git|hash|rev|digest|checksum|etag|cache|page|cursor|sync|resume|continuation|nonce)[a-z0-9_.-]*["\']?[ \\t]*(?:=|:|=>)[ \\t]*(?:\\\\{1,2}["\']|["\']?)(?-i:[0-9a-f]{40})(?:[^A-Za-z0-9+/_.~=-]|$)'
      ]
    },
    examples: {
      positives: (g) => {
        const e = g.hex(40)
        const f = g.hex(40)
        return [
          { line: `    private static String CLIENT_SECRET = "${e}";`, secret: e },
          { line: `-d access_token=${f}`, secret: f },
          { line: `'\\\\n        clientSecret: \\\\'${e}\\\\','+`, secret: e },
          { line: `{"level":"debug","msg":"provider","oauth_token":"${f}"}`, secret: f }
        ]
      },
      negatives: [
        'GIT_COMMIT_ACCESS_TOKEN=da39a3ee5e6b4b0d3255bfef95601890afd80709',
        'next_page_token: da39a3ee5e6b4b0d3255bfef95601890afd80709',
        // The rule's own escaped opening quote (a JavaScript string in a log) under a digest's name.
        "'\\\\n        git_api_key: \\\\'da39a3ee5e6b4b0d3255bfef95601890afd80709\\\\','+",
        'client_secret: <client-secret>',
        `access_token=${'0'.repeat(40)}`
      ]
    }
  },
  {
    id: 'generic-password-comparison',
    fallback: true,
    title: 'Password compared with a literal in code',
    severity: 'medium',
    kind: 'generic',
    // `if password == "…"`, `user.password === '…'`, `creds.pwd != "…"`: a hard-coded credential that a
    // stack trace, a test runner or a CI lint step prints with its source line (Nosey Parker's np.generic.15
    // and .16). The literal is quoted; an empty one, a variable or a call is no match. Not `secret`: GitHub
    // Actions debug logs hold `secrets.X` on every other line, and the rule's check on each cost 4% of the
    // engine's time on a CI log, for a name that compares to a literal far less often than a password. Nor
    // `pass`: every `--- PASS:` and `passed` of a test log would wake the rule for a word its regex never takes.
    regex: '(?i)(?:^|[^a-z0-9])[a-z0-9_.]*(?:password|passwd|pwd)["\'\\]]?[ \\t]*(?:===?|!==?)[ \\t]*["\']([^"\'\\s]{6,})["\']',
    follows: '[\\w.]*["\'\\]]?\\s*[!=]==?\\s*["\']',
    keywords: ['password', 'passwd', 'pwd'],
    minEntropy: 2.5,
    examples: {
      positives: secretsIn(password, [
        (s) => `if username == "admin" and password == "${s}":`,
        (s) => `    if (req.body.password === '${s}') {`,
        (s) => `if creds.Pwd != "${s}" {`
      ]),
      negatives: [
        'if password == "":',
        'if password != confirm_password:',
        "assert user.password == '********'",
        'if password == os.environ["ADMIN_PASSWORD"]:',
        'if (password === "changeme") warn()'
      ]
    }
  },
  {
    id: 'generic-env-default-secret',
    fallback: true,
    title: 'Secret written as the default of an environment lookup',
    severity: 'medium',
    kind: 'generic',
    // `os.environ.get('DJANGO_SECRET_KEY', '…')`, `os.getenv("API_TOKEN", "…")`, Go's GetEnvOrDefault, Ruby's
    // ENV.fetch, Laravel's env('DB_PASSWORD', '…'): the literal is the secret the program runs with when the
    // variable is unset, and a traceback or a lint step prints the line (kingfisher.django.1, gitleaks'
    // generic-api-key). The variable's name ends in a credential word; the default is quoted and may hold any
    // punctuation but a quote (Django's keys do).
    regex:
      '(?i)(?:getenv(?:ordefault)?|environ\\.(?:get|setdefault)|env\\.fetch|(?:^|[^a-z0-9_.])env)\\([ \\t]*["\'][a-z0-9_.-]*(?:secret|key|token|password|passwd|pwd|pass|credentials?)["\'][ \\t]*,[ \\t]*["\']([^"\'\\s]{8,})["\']',
    keywords: ['getenv', 'environ.get', 'environ.setdefault', 'env.fetch', 'env('],
    // Typed passwords (Velvet5555*bn5q) fall under 3.0 about once in 7,000: 2.5 as the other password rules.
    minEntropy: 2.5,
    // A path is where the key is read from, not the key: `os.getenv("SSH_KEY", "~/.ssh/id_ed25519")`. An absolute
    // one only in lower case, as a base64 key starts with `/` one time in 64.
    allow: { secrets: ['^(?:\\.{1,2}/|~/)', '^/[a-z0-9_.-]+(?:/[a-z0-9_.-]+)+$'] },
    examples: {
      positives: (g) => {
        const a = g.chars('abcdefghijklmnopqrstuvwxyz0123456789!@%^&*(-_=+)', 50)
        const b = g.base62(32)
        const c = g.password()
        return [
          { line: `SECRET_KEY = os.environ.get('DJANGO_SECRET_KEY','${a}')`, secret: a },
          { line: `    token := utils.GetEnvOrDefault("api_token", "${b}")`, secret: b },
          { line: `        'password' => env('DB_PASSWORD', '${c}'),`, secret: c }
        ]
      },
      negatives: [
        "os.environ.get('DJANGO_SECRET_KEY')",
        'os.getenv("API_TOKEN", "")',
        "env('DB_PASSWORD', 'secret')",
        'os.getenv("CACHE_KEY_PREFIX", "orders-service-v2")',
        'ENV.fetch("SECRET_KEY_BASE") { raise "missing" }',
        'os.environ.get("DEPLOY_KEY", "./keys/deploy_ed25519")',
        'os.getenv("SSH_KEY", "~/.ssh/id_ed25519")',
        "deploy_key = os.environ.get('DEPLOY_KEY', '../secrets/deploy_rsa_4096')",
        'tls_key := GetEnvOrDefault("TLS_KEY", "/etc/tls/private/tls.key")'
      ]
    }
  },
  {
    id: 'generic-secret-declaration',
    fallback: true,
    title: 'Secret declared as a constant or a typed variable',
    severity: 'medium',
    kind: 'generic',
    // Declarations rather than assignments, as a build log, a compiler's error or a `cat` of a config prints
    // them: C's `#define DB_PASSWORD "…"`, RPM spec's `%define`/`%global`, PHP's `define('DB_PASSWORD', '…')`,
    // CMake's `set(API_TOKEN "…")`, batch's `SET password "…"`, and a typed declaration (`val password: String
    // = "…"`, `passwd: str = "…"`, `const TOKEN: &str = "…"`): CredSweeper's password samples. The name ends in a
    // credential word; the value is quoted (or, after #define/%define/%global, a bare word) and passes the
    // generic gates.
    regex:
      "(?i)(?:(?:#[ \\t]*define|%define|%global|\\bset)[ \\t]+[a-z0-9_.-]*(?:password|passwd|passphrase|pwd|secret|token|api_?key)[ \\t]+[\"']?|\\b(?:define|set)[ \\t]*\\([ \\t]*[\"']?[a-z0-9_.-]*(?:password|passwd|passphrase|pwd|secret|token|api_?key)[\"']?[ \\t]*,?[ \\t]*[\"']|[a-z0-9_.-]*(?:password|passwd|passphrase|pwd|secret|token|api_?key)[ \\t]*:[ \\t]*&?(?:'static[ \\t]+)?(?:string|str)[ \\t]*=[ \\t]*[\"'])([^\"'\\s,;)]{8,})",
    // Not `set ` or `define` alone: both are in plain prose of many logs (`reset to`, `undefined`).
    keywords: ['#define', '# define', '%define', '%global', 'define(', 'define (', 'set(', 'set (', 'set pass', 'set pwd', ': str', ':str'],
    // Typed passwords (Velvet5555*bn5q) fall under 3.0 about once in 7,000: 2.5 as the other password rules.
    minEntropy: 2.5,
    // A number in C's hex notation is a constant (`#define PASSWORD 0x0dead1beef7cafe2`: CredSweeper's negative).
    allow: { secrets: ['^0[xX][0-9a-fA-F]+[uUlL]*$'] },
    examples: {
      positives: secretsIn(password, [
        (s) => `#define DB_PASSWORD "${s}"`,
        (s) => `%global admin_password ${s}`,
        (s) => `define( 'DB_PASSWORD', '${s}' );`,
        (s) => `set(API_TOKEN "${s}")`,
        (s) => `  val password: String = "${s}",`,
        (s) => `def connect(passwd: str = "${s}"):`
      ]),
      negatives: [
        '#define PASSWORD_MAX_LEN 128',
        '#define DB_PASSWORD "${DB_PASSWORD}"',
        'set(TOKEN_FILE "/etc/app/token")',
        'set password authentication method to scram-sha-256',
        'def connect(passwd: str = None):',
        "define('DB_PASSWORD', getenv('DB_PASSWORD'));",
        '#define PASSWORD 0x0badc0ffee5eed42ULL'
      ]
    }
  },
  {
    id: 'generic-xml-secret-element',
    fallback: true,
    title: 'Secret as the text of an XML element',
    severity: 'medium',
    kind: 'generic',
    // `<password>…</password>` in Maven's settings.xml (a CI job that prints it, `mvn -X`), `<db.password>` in a
    // POM's properties, `<apiKey>`, `<clientSecret>`, `<token>` in Java and .NET configs: the assignment rules read
    // `password="…"` attributes, not an element's text. RE2 has no backreference: the closing tag is not checked to
    // be the opening one's. Maven's encrypted passwords (`{…}`, settings-security.xml's master key decrypts them)
    // and `${…}` references are not the secret. A token element only as `token` or a credential's token
    // (`SessionToken`, `access_token`, `auth-token`): AWS's XML answers page with `<NextToken>` and
    // `<ContinuationToken>`, and WS-Security's `<BinarySecurityToken>` carries a certificate.
    regex:
      '(?i)<(?:[a-z0-9_.:-]*(?:password|passwd|passphrase|secret|api[_-]?key|access[_-]?key|secret[_-]?key)|(?:[a-z0-9_-]+:)?(?:[a-z0-9_.-]*[_.-])?(?:session|access|refresh|auth|api|bearer)?[_-]?token)(?:[ \\t][^<>]*)?>[ \\t]*([^<\\s]{8,})[ \\t]*</',
    keywords: [
      'password>',
      'passwd>',
      'passphrase>',
      'secret>',
      'token>',
      'apikey>',
      'api_key>',
      'api-key>',
      'accesskey>',
      'access_key>',
      'secretkey>',
      'secret_key>'
    ],
    minEntropy: 2.5,
    allow: { secrets: ['^\\{[A-Za-z0-9+/=]+\\}$'] },
    examples: {
      positives: (g) => {
        const a = g.password()
        const b = g.password()
        const c = g.base62(32)
        const d = g.base62(120)
        return [
          { line: `      <server><id>nexus-releases</id><username>deploy</username><password>${a}</password></server>`, secret: a },
          { line: `    <db.password>${b}</db.password>`, secret: b },
          { line: `  <apiKey>${c}</apiKey>`, secret: c },
          { line: `<Credentials><AccessKeyId>ASIA…</AccessKeyId><SessionToken>${d}</SessionToken></Credentials>`, secret: d }
        ]
      },
      negatives: [
        // Maven's encrypted form: base64 in braces (of a sentence here, so that it is no one's password).
        `<password>{${Buffer.from('maven encrypts a server password so').toString('base64')}}</password>`,
        '<password>${env.NEXUS_PASSWORD}</password>',
        '<password></password>',
        '<secret>true</secret>',
        '<tokenEndpoint>https://login.example.com/oauth2/token</tokenEndpoint>',
        `<NextToken>${Buffer.from('the next page of an AWS answer starts here').toString('base64')}</NextToken>`,
        `<wsse:BinarySecurityToken ValueType="X509v3">${Buffer.from('a public certificate would be here in DER').toString('base64')}</wsse:BinarySecurityToken>`
      ]
    }
  },
  {
    id: 'generic-cli-credential',
    fallback: true,
    title: 'Credential passed as a command-line flag',
    severity: 'medium',
    kind: 'generic',
    // `--password VALUE`, `--token=VALUE`, `--api-key VALUE`: what CI step logs echo with `set -x`. Also the
    // single-dash long flags of the tools that use them (openssl's and keytool's `-password`, `-storepass`,
    // `-keypass`, PowerShell's `-Password`), gpg's `--passphrase`, curl's `--oauth2-bearer`, and openssl's
    // `-passin`/`-passout` with a literal `pass:` source (its `file:`, `env:`, `fd:` and `stdin` sources name where
    // the password is, not the password): CredSweeper's CMD samples. A flag may name whose credential it is in up to
    // three words before (`--registration-token`, gitlab-runner's; `--api-token`, `--docker-password`,
    // `--vault-token`), and PowerShell writes `-Token:value`. A flag may open a string: a container's `args` in a
    // pod spec, as an audit event or `kubectl get -o json` writes it (`"args":["--token=…"]`).
    regex: `(?i)(?:^|[\\s"'])(?:${cliFlag('password|passwd|passphrase|token|api-?key|secret|secret-?key|access-?key|oauth2-bearer|storepass|keypass|srcstorepass|deststorepass')}["']?(?:pass:)?|-(?:passin|passout)\\s+["']?pass:)([^\\s"'(-][^\\s"']{7,})`,
    keywords: CLI_FLAG_KEYWORDS,
    // Passwords people pick (Harbor2355*f555) go under 3.0 one time in 10,000.
    minEntropy: 2.5,
    allow: {
      secrets: ['^\\$\\{?[A-Za-z_]', '^\\$\\(', '^<[^>]*>$', '^\\*+$'],
      matches: [NOT_CREDENTIAL_FLAG]
    },
    examples: {
      positives: (g) => {
        const a = g.password()
        const b = g.base62(36)
        const c = g.password()
        const d = g.password()
        const e = g.password()
        return [
          { line: `+ helm upgrade app ./chart --set image.tag=1.2.3 --password ${a}`, secret: a },
          { line: `+ vault login --token=${b}`, secret: b },
          { line: `+ openssl pkcs12 -export -in tls.crt -inkey tls.key -passout pass:${c} -out bundle.p12`, secret: c },
          { line: `+ gpg --batch --yes --passphrase ${d} --decrypt secrets.env.gpg`, secret: d },
          { line: `PS> Connect-Server -Server vc01 -User admin -Password '${e}'`, secret: e },
          { line: `+ gitlab-runner register --non-interactive --url https://gitlab.com/ --registration-token ${b}`, secret: b },
          { line: `2026-12-07T10:00:01.0000000Z + npx codecov --api-token=${b} -f coverage.xml`, secret: b },
          { line: `+ docker run --rm tool --docker-password "${a}" push`, secret: a },
          { line: `PS> Invoke-Deploy -Token:${b}`, secret: b },
          { line: `-password "${c}"`, secret: c },
          { line: `{"kind":"Pod","spec":{"containers":[{"name":"agent","args":["--api-token=${b}","--v=2"]}]}}`, secret: b }
        ]
      },
      negatives: [
        '--password-stdin',
        '--token ${VAULT_TOKEN}',
        '--password "$(cat /run/secrets/pw)"',
        'usage: tool --token <token>',
        '--api-key=****',
        'openssl rsa -passin file:/run/secrets/key_pass -in key.pem',
        'openssl pkcs12 -passout env:BUNDLE_PASSWORD -export',
        'New-LocalUser -Name svc -Password (ConvertTo-SecureString $pw -AsPlainText -Force)',
        '+ aws dynamodb scan --table-name orders --starting-token eyJFeGNsdXNpdmVTdGFydEtleSI6bnVsbCwiYm90b190cnVuY2F0ZV9hbW91bnQiOjF9',
        '+ aws ec2 run-instances --image-id ami-0abcdef1234567890 --client-token 550e8400-e29b-41d4-a716-446655440000',
        '+ kubectl --token-file /var/run/secrets/kubernetes.io/serviceaccount/token get pods',
        '10.0.0.7 - - [07/Dec/2026:10:00:00 +0000] "GET /account/reset-password HTTP/1.1" 200 512',
        '{"msg":"token refreshed","grant":"refresh-token","x-api-key":"present"}'
      ]
    }
  },
  {
    id: 'cli-token-uuid',
    title: 'UUID passed as a token or key flag',
    severity: 'medium',
    // A pattern rule: the generic gates take every UUID for an identifier, which under most names it is. Not after
    // a credential flag: Codecov's upload tokens, Heroku's API keys and many internal services' keys are UUIDs, and
    // CI logs print the command (`--token 1ace4d19-…`, CredSweeper's CMD Token sample).
    kind: 'pattern',
    regex: `(?i)(?:^|[\\s"'])${cliFlag('token|api-?key|secret|secret-?key|access-?key|password|passwd')}["']?(\\{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\}?)(?:[^0-9a-z-]|$)`,
    keywords: CLI_FLAG_KEYWORDS,
    minEntropy: 3.0,
    allow: { matches: [NOT_CREDENTIAL_FLAG] },
    examples: {
      positives: (g) => {
        const uuid = (): string => `${g.hex(8)}-${g.hex(4)}-4${g.hex(3)}-a${g.hex(3)}-${g.hex(12)}`
        const a = uuid()
        const b = uuid()
        return [
          { line: `+ ./codecov --token ${a} -f coverage.xml`, secret: a },
          { line: `2026-12-07T10:00:01.0000000Z + heroku container:release web --app api --api-key=${b}`, secret: b }
        ]
      },
      negatives: [
        '+ aws ec2 run-instances --image-id ami-0abcdef1234567890 --client-token 550e8400-e29b-41d4-a716-446655440000',
        '+ tool --request-id 550e8400-e29b-41d4-a716-446655440000 --token-file /run/token',
        '+ tool --token 00000000-0000-0000-0000-000000000000'
      ]
    }
  }
]
