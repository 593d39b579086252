import { crc32 } from '../crc32.ts'
import { valuePlausible } from '../gates.ts'
import type { Gen } from '../gen.ts'
import { ALPHABETS, toBase62 } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { BASE62, drawnBy, type Format, format, HEX, re, tokenRule } from './define.ts'
import { assigned } from './patterns.ts'

// Right shape, wrong checksum: the kind of value a test types by hand. Assembled here so the
// repository holds no token-shaped literal.
const WRONG_CHECKSUM = `${'aBcDeFgHiJkLmNoPqRsTuVwXyZ'}${'0123456789'}`

/** GitHub's tokens end in base62(CRC32(random part)) over 6 characters: a typo or a made-up value fails it. */
export function githubChecksumValid(token: string): boolean {
  const underscore = token.indexOf('_')
  const random = token.slice(underscore + 1, -6)
  return toBase62(crc32(random), 6) === token.slice(-6)
}

/** The 40-character layout (prefix_ + 30 random + 6 checksum) is checksummed; longer layouts are not documented as such. */
function checksumIfClassic(token: string): boolean {
  return /^gh[a-z]_[A-Za-z0-9]{36}$/.test(token) ? githubChecksumValid(token) : true
}

/** The stateless installation token (2026): ghs_<app id>_<JWT>; the JWT's header always starts with base64 of `{"`. */
function statelessInstallationToken(g: Gen): string {
  const seg = (n: number): string => g.chars(ALPHABETS.base64url, n)
  return `ghs_${g.digits(7)}_eyJ${seg(40)}.eyJ${seg(320)}.${seg(86)}`
}

/** The 40-character layout: prefix + 30 random + base62(CRC32(random)) in 6 characters. */
const classic = (prefix: string): Format => drawnBy(format(prefix, BASE62(36)), (g) => g.githubToken(prefix))

export const rules: Rule[] = [
  tokenRule({
    id: 'github-pat-classic',
    title: 'GitHub personal access token (classic)',
    severity: 'critical',
    token: classic('ghp_'),
    validate: githubChecksumValid,
    positives: (g) => {
      const secret = g.githubToken('ghp_')
      return [
        { line: `git clone https://x-access-token:${secret}@github.com/acme/app.git`, secret },
        { line: `GITHUB_TOKEN=${secret}`, secret }
      ]
    },
    negatives: [
      `token: ghp_${'x'.repeat(36)}`,
      // Right shape, wrong checksum: the kind of string a test writes by hand.
      `token: ghp_${WRONG_CHECKSUM}`,
      'see docs for ghp_ prefixed tokens'
    ]
  }),
  tokenRule({
    id: 'github-pat-fine-grained',
    title: 'GitHub fine-grained personal access token',
    severity: 'critical',
    // github_pat_ + 22 characters (token id) + _ + 59 characters (secret and checksum).
    token: format('github_pat_', BASE62(22), '_', BASE62(59)),
    minEntropy: 4.0,
    lines: [(s) => `{"level":"debug","msg":"gh api","env":{"GH_TOKEN":"${s}"}}`, (s) => `  token: ${s}`],
    negatives: [`GH_TOKEN=github_pat_${'x'.repeat(22)}_${'x'.repeat(59)}`, 'GH_TOKEN=github_pat_<your-token>', 'fine-grained tokens start with github_pat_']
  }),
  tokenRule({
    id: 'github-oauth-token',
    title: 'GitHub OAuth access token',
    severity: 'critical',
    token: classic('gho_'),
    validate: githubChecksumValid,
    lines: [(s) => `Authorization: token ${s}`],
    negatives: [`gho_${'0'.repeat(36)}`, `token: gho_${WRONG_CHECKSUM}`]
  }),
  tokenRule({
    id: 'github-user-to-server-token',
    title: 'GitHub App user access token',
    severity: 'high',
    token: classic('ghu_'),
    validate: githubChecksumValid,
    lines: [(s) => `{"access_token":"${s}","expires_in":28800,"token_type":"bearer"}`],
    negatives: [`ghu_${'a'.repeat(36)}`, 'user tokens start with ghu_']
  }),
  tokenRule({
    id: 'github-app-installation-token',
    title: 'GitHub App installation access token',
    severity: 'high',
    // Classic: ghs_ + 36 with the checksum. Stateless (rolled out from 2026-04): ghs_<app id>_<JWT>, ~520 characters.
    token: format('ghs_', re('(?:[0-9]{1,12}_eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{20,}\\.[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{36})')),
    after: '(?:[^A-Za-z0-9_.-]|$)',
    minEntropy: 3.5,
    validate: checksumIfClassic,
    positives: (g) => {
      const classic = g.githubToken('ghs_')
      const stateless = statelessInstallationToken(g)
      return [
        { line: `2025-06-01T10:00:00Z ##[debug]GITHUB_TOKEN=${classic}`, secret: classic },
        { line: `git -c http.extraheader="AUTHORIZATION: bearer ${stateless}" fetch origin`, secret: stateless }
      ]
    },
    negatives: [`ghs_${'x'.repeat(36)}`, `token: ghs_${WRONG_CHECKSUM}`, 'installation tokens look like ghs_APPID_JWT']
  }),
  tokenRule({
    id: 'github-refresh-token',
    title: 'GitHub App refresh token',
    severity: 'high',
    // Documented at 36 characters after the prefix (checksummed); refresh tokens issued to GitHub Apps are 76.
    token: format('ghr_', re('(?:[A-Za-z0-9]{76}|[A-Za-z0-9]{36})')),
    minEntropy: 4.0,
    validate: checksumIfClassic,
    positives: (g) => {
      const a = g.githubToken('ghr_')
      const b = `ghr_${g.base62(76)}`
      return [
        { line: `refresh_token=${a}&grant_type=refresh_token`, secret: a },
        { line: `{"refresh_token":"${b}","refresh_token_expires_in":15811200}`, secret: b }
      ]
    },
    negatives: [`ghr_${'x'.repeat(76)}`, `token: ghr_${WRONG_CHECKSUM}`]
  }),
  tokenRule({
    id: 'github-token-unchecked',
    title: 'GitHub token whose checksum does not verify (altered, truncated-and-padded or hand-made)',
    severity: 'medium',
    // The 40-character layout with a checksum that fails: not a token GitHub issued as printed, but every
    // other scanner reports it (gitleaks', Nosey Parker's and Kingfisher's published examples are such
    // values), and a log that holds one may hold the real one elsewhere. Its own rule, tagged `unchecked`:
    // confidence stays below high (detectors/confidence.ts), so it alerts and never rotates by default.
    token: classic('ghp_'),
    regex: (t) => `(?:^|[^A-Za-z0-9_])(gh[pousr]_${t.slice('ghp_'.length)})(?:[^A-Za-z0-9_]|$)`,
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    minEntropy: 3.5,
    tags: ['unchecked'],
    // Typed sequences (…0123456789) are examples, not altered tokens.
    validate: (t) => !githubChecksumValid(t) && valuePlausible(t.slice(4)),
    positives: (g) => {
      const valid = g.githubToken('ghp_')
      // One character of the checksum changed: what an altered token looks like.
      const last = valid.at(-1) === 'A' ? 'B' : 'A'
      const secret = `${valid.slice(0, -1)}${last}`
      return [{ line: `GITHUB_TOKEN=${secret}`, secret }]
    },
    negatives: [`token: ghp_${'x'.repeat(36)}`, `token: ghp_${WRONG_CHECKSUM}`, 'see docs for ghp_ prefixed tokens']
  }),
  tokenRule({
    id: 'github-oauth-client-secret',
    title: 'GitHub OAuth app client secret',
    severity: 'high',
    // 40 hex, like a commit id: a secret only under its name (GITHUB_CLIENT_SECRET, GITHUB_SECRET; Nosey Parker's
    // np.github.6, Apache-2.0). Keywords are the names themselves, not `github`, which half of all CI lines hold.
    token: HEX(40),
    regex: (t) => assigned('github_?(?:oauth_?)?(?:client_?)?secret', t),
    keywords: ['github_secret', 'githubsecret', 'github_client_secret', 'githubclientsecret', 'github_oauth_client_secret'],
    // Random 40-hex values score under 3.0 about once in 2 million, under 2.8 not once in 2 million draws.
    minEntropy: 2.8,
    lines: [(s) => `GITHUB_CLIENT_SECRET=${s}`, (s) => `{"level":"debug","msg":"oauth provider","github_secret":"${s}"}`],
    negatives: [`GITHUB_CLIENT_SECRET=${'0'.repeat(40)}`, 'GITHUB_SECRET=${{ secrets.GITHUB_SECRET }}', `GITHUB_SHA=${'0123456789abcdef'.repeat(2)}01234567`]
  })
]
