import { madeUpValue } from '../gates.ts'
import type { Rule } from '../rule.ts'
import { password, secretsIn } from './define.ts'
import { PICKED_NOT_SECRETS } from './patterns.ts'

export const rules: Rule[] = [
  {
    id: 'curl-user-password',
    title: 'Password in a curl command line (-u user:password)',
    severity: 'high',
    // A password a person picked: generic (alerts, does not rotate by default), however sure the shape.
    kind: 'generic',
    // `curl … -u user:password` / `--user=user:password`, as `set -x` echoes it into CI logs. The user
    // part stops at ':'; an env reference or a bare user (curl prompts) is no match.
    // A continuation line (`  -u user:password`, after `\\`) counts too: curl's options span lines in CI scripts.
    // The user may be empty (`-u ":password"`) and each half quoted on its own (`--user kevin:'pw'`, `"u":"pw"`).
    regex: '(?i)(?:\\bcurl\\b[^\\n]*?\\s|^\\s*)(?:-u|--user)(?:\\s+|=)["\']?(?:[^\\s:"\'$-][^\\s:"\']*["\']?)?:["\']?([^\\s"\']{4,})',
    keywords: ['curl', '-u ', '--user'],
    requires: [':'],
    minEntropy: 2.0,
    examples: {
      positives: secretsIn(password, [
        (s) => `+ curl -sf -u deploy:${s} https://nexus.example.com/repository/raw/app.tgz`,
        (s) => `curl --user=admin:${s} -X POST http://localhost:9200/_bulk`,
        (s) => `curl -s --user 'api':'${s}' https://api.mailgun.net/v3/domains`
      ]),
      negatives: [
        'curl -u "$USER:$PASS" https://x',
        'curl -u admin https://example.com',
        'curl -u ${NEXUS_USER}:${NEXUS_PASSWORD} https://x',
        'curl -u user:<password> https://x'
      ]
    }
  },
  {
    id: 'curl-user-token',
    title: 'API key passed as the user of curl -u with an empty password',
    severity: 'high',
    // `curl -u sk_…:`, `-u "<key>:"`: Stripe, Elasticsearch and many HTTP APIs take the key as the basic-auth
    // user and no password (gitleaks' curl-auth-user states the form). Only a user that ends at ':' with nothing
    // after it but a quote and a blank, so `-u user:password` stays curl-user-password's. Generic gates: a
    // name (`-u deploy-bot:`) or a reference is no key.
    kind: 'generic',
    regex: '(?i)(?:\\bcurl\\b[^\\n]*?\\s|^\\s*)(?:-u|--user)(?:\\s+|=)["\']?([^\\s:"\'$-][^\\s:"\']{7,}):["\']?(?:\\s|$)',
    keywords: ['curl', '-u ', '--user'],
    requires: [':'],
    // gitleaks' example is 12 characters at 3.4 bits; of a million random 18-character ones none is under 2.75.
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = `${g.base62(16)}!${g.chars('abcdefghijklmnopqrstuvwxyz', 1)}`
        const b = g.base62(32)
        return [
          { line: `curl -u "${a}:" https://localhost:9200`, secret: a },
          { line: `+ curl -s https://api.example.com/v1/charges -u ${b}: -d amount=2000`, secret: b }
        ]
      },
      negatives: ['curl -u admin: https://x', 'curl -u "$API_KEY:" https://x', 'curl -u deploy-bot-account: https://x', 'curl -u ":" https://localhost:9200']
    }
  },
  {
    id: 'curl-header-credential',
    // Provider formats and the Authorization rules (http-basic-auth, jwt, …) win on the same span.
    fallback: true,
    title: 'Credential in a request header on a command line (curl -H, wget --header)',
    severity: 'high',
    // Any value in an auth header: UUID API keys included, which the generic rules' identifier gate refuses.
    // Not format-checked, so never high confidence (the `unchecked` tag caps it at medium).
    kind: 'pattern',
    tags: ['unchecked'],
    // `-H "Authorization: [Basic|Api-Token] v"`, `--header 'X-Api-Key: v'`, `-H "apikey: v"`,
    // `-H "Token: v"`, `-H "X-Octopus-ApiKey: v"`, as `set -x` and runbooks echo them, a continuation line
    // (`  -H "…" \`) included. The header names and shapes are gitleaks' curl-auth-header rule's (MIT). The value
    // must end the quoted header: `Authorization: Negotiate …` does not take the scheme for the credential. Bearer
    // and Token schemes are http-bearer-token's and the providers' (this rule, a format rule, would outrank them).
    regex:
      '(?i)(?:^|\\s)(?:-H|--header)(?:=|\\s{1,5})\\\\?["\']?(?:(?:proxy-)?authorization:\\s{0,5}(?:(?:basic|api-token)\\s+)?|(?:x-(?:[a-z]+-)?)?api-?(?:key|token):\\s{0,5}|(?:x-(?:auth|access)-)?token:\\s{0,5})([\\w=~@.+/-]{8,})(?:["\'\\\\]|$)',
    keywords: ['-h ', '--header'],
    follows: '[=\\s]{0,5}\\\\?["\']?(?:proxy-authorization|authorization|x-|api|token)',
    minEntropy: 2.75,
    examples: {
      positives: (g) => {
        const a = g.base62(40)
        const b = `${g.hex(8)}-${g.hex(4)}-4${g.hex(3)}-a${g.hex(3)}-${g.hex(12)}`
        const c = g.hex(32)
        return [
          { line: `+ curl -sf -H "Authorization: Api-Token ${a}" https://api.internal/v1/jobs`, secret: a },
          { line: `     -H "apikey: ${b}" \\`, secret: b },
          { line: `wget -q --header='X-Octopus-ApiKey: ${c}' https://deploy.corp.example/api/projects`, secret: c }
        ]
      },
      negatives: [
        'curl -H "Authorization: Bearer $API_KEY" https://x',
        'curl -H "Authorization: Bearer XXXXXXXXXXXX" https://x',
        'curl -H "Authorization: Basic ..." https://x',
        'curl -H "Authorization: Token **********" https://x',
        'curl -H "Authorization: Bearer $(gcloud auth print-access-token)" https://x',
        'curl -H "Authorization: Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnagMDAuBgkqhkiC9xIBAgIGCSqGSIb3EgECAgYKKwYBBAGCNwICHgYK" https://x',
        'curl -H "X-Request-Id: 0f8fad5b-d9cb-469f-a165-70867728950e" https://x',
        'df -h /var/lib/docker'
      ]
    }
  },
  {
    id: 'curl-option-credential',
    title: 'Password or bearer token set as a libcurl option (CURLOPT_PASSWORD, CURLOPT_USERPWD, …)',
    severity: 'high',
    // libcurl's credential options as C, PHP (curl_setopt, curl_setopt_array's `=>`) and pycurl code sets them, and
    // as a PHP error page or a debug dump of the call prints them. The option names are libcurl's (curl_easy_setopt(3));
    // CredSweeper's "CURL Options" rule lists the same six. The value is a string literal; for the USERPWD options
    // the password is what follows the first ':' (`user:password`), as curl splits it. A person may have picked it:
    // capped at medium confidence like the other password shapes.
    kind: 'pattern',
    tags: ['unchecked'],
    regex:
      '(?:CURLOPT_|pycurl\\.)(?:(?:XOAUTH2_BEARER|PROXYPASSWORD|PASSWORD|KEYPASSWD)[ \\t]*(?:,|=>)[ \\t]*["\']|(?:PROXY)?USERPWD[ \\t]*(?:,|=>)[ \\t]*["\'][^"\'\\s:]*:)([^"\'\\s]{4,})["\']',
    keywords: ['curlopt_', 'pycurl.'],
    minEntropy: 2.0,
    validate: (s) => !madeUpValue(s),
    allow: { secrets: PICKED_NOT_SECRETS },
    examples: {
      positives: (g) => {
        const a = g.password()
        const b = g.password()
        const c = g.base62(40)
        const d = g.password()
        return [
          { line: `    curl_easy_setopt(curl, CURLOPT_PASSWORD, "${a}");`, secret: a },
          { line: `curl_setopt($ch, CURLOPT_USERPWD, 'svc-backup:${b}');`, secret: b },
          { line: `  CURLOPT_XOAUTH2_BEARER => "${c}",`, secret: c },
          { line: `c.setopt(pycurl.PROXYUSERPWD, "proxy:${d}")`, secret: d }
        ]
      },
      negatives: [
        'curl_setopt($ch, CURLOPT_USERPWD, "$user:$pass");',
        'curl_easy_setopt(curl, CURLOPT_PASSWORD, password);',
        'curl_setopt($ch, CURLOPT_USERPWD, $username . ":" . $password);',
        'curl_easy_setopt(curl, CURLOPT_USERPWD, "user:<password>");',
        'c.setopt(pycurl.USERPWD, "%s:%s" % (user, pw))'
      ]
    }
  }
]
