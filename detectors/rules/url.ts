import type { Rule } from '../rule.ts'

/** A character of a URL's userinfo: RFC 3986 lets no blank, ':', '@' or '/' stand there unescaped. */
export const USERINFO_CHAR = `[^\\s:@/'"]`

/**
 * A URL's user. It may hold one raw '@' (an e-mail address as a login, `smtps://alerts@acme.io:…@smtp.acme.io`,
 * Azure PostgreSQL's `user@server`), which parsers read up to the last '@'; with `empty`, it may be empty
 * (`redis://:password@host`).
 */
export function urlUser(empty: boolean): string {
  return `${USERINFO_CHAR}${empty ? '*' : '+'}(?:@${USERINFO_CHAR}+)?`
}

/** After `://`: user, `:`, password, `@` (the regex's userinfo, without its length bounds). */
const USERINFO = `${urlUser(false)}:${USERINFO_CHAR}+@`

export const rules: Rule[] = [
  {
    id: 'url-credentials',
    fallback: true,
    title: 'Credentials in a URL',
    severity: 'high',
    // Generic: a format rule that matches the same password (a GitHub token in a git remote) wins.
    kind: 'generic',
    regex: `(?i)(?:^|[^a-z0-9+.-])(?:https?|ftps?|sftp|ssh|git|svn|wss?|ldaps?|smtps?|imaps?|s3|hg)://${urlUser(false)}:(${USERINFO_CHAR}{6,})@[^\\s/'"]+`,
    keywords: ['://'],
    // Userinfo needs an '@': most of the lines holding a URL have none, and the regex is skipped on them.
    requires: ['@'],
    follows: USERINFO,
    // Passwords people pick (Harbor2355*f555) go under 2.8 one time in 100,000.
    minEntropy: 2.5,
    allow: {
      secrets: ['^\\$\\{?[A-Za-z_]', '^\\{\\{', '^<[^>]*>$', '^\\*+$', '(?i)^(?:password|passwd|secret|token|changeme|example|redacted|x-oauth-basic)$']
    },
    examples: {
      positives: (g) => {
        const a = g.password()
        const b = g.base62(32)
        const c = g.password()
        return [
          { line: `fatal: unable to access 'https://deploy:${a}@git.corp.example/platform/infra.git/'`, secret: a },
          { line: `proxy=http://svc-proxy:${b}@proxy.corp:3128`, secret: b },
          { line: `mailer: connecting to smtps://alerts@acme.io:${c}@smtp.acme.io:465`, secret: c }
        ]
      },
      negatives: ['https://user:${TOKEN}@github.com/acme/x.git', 'see https://docs.example.com:443/path@v2', 'http://user:password@example.com']
    }
  }
]
