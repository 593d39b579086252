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

/** After `://`: user, `:`, password, `@` (a regex's userinfo, without its length bounds); the user may be empty with `empty`. */
export function userinfo(empty: boolean): string {
  return `${urlUser(empty)}:${USERINFO_CHAR}+@`
}

export const rules: Rule[] = [
  {
    id: 'url-credentials',
    fallback: true,
    title: 'Credentials in a URL',
    severity: 'high',
    // Generic: a format rule that matches the same password (a GitHub token in a git remote) wins.
    kind: 'generic',
    // Any scheme (RFC 3986: a letter, then letters, digits, '+', '.', '-'): userinfo with a password is the signal, and
    // the schemes no list held leak as well (rtsp:// on IP cameras, mqtt://, socks5://, nats://, amqps://, a
    // driver's own `dbconnection://`; CredSweeper's "URL Credentials"). On a database's or Snowflake's URL that rule's
    // finding is kept: one span, the format rule over the generic one.
    regex: `(?i)(?:^|[^a-z0-9+.-])[a-z][a-z0-9+.-]{0,30}://${urlUser(false)}:(${USERINFO_CHAR}{6,})@[^\\s/'"]+`,
    keywords: ['://'],
    // Userinfo needs an '@': most of the lines holding a URL have none, and the regex is skipped on them.
    requires: ['@'],
    follows: userinfo(false),
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
          { line: `mailer: connecting to smtps://alerts@acme.io:${c}@smtp.acme.io:465`, secret: c },
          { line: `ffmpeg -i rtsp://admin:${a}@10.20.0.31:554/Streaming/Channels/101 -f segment cam1-%03d.mp4`, secret: a },
          { line: `ALL_PROXY=socks5h://scraper:${b}@egress.corp:1080`, secret: b }
        ]
      },
      negatives: ['https://user:${TOKEN}@github.com/acme/x.git', 'see https://docs.example.com:443/path@v2', 'http://user:password@example.com']
    }
  }
]
