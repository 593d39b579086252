import { NPM_FOLLOWS } from '../follows-gate.ts'
import type { Rule } from '../rule.ts'
import { BASE62, drawnBy, format, tokenRule, UUID } from './define.ts'
import { githubChecksumValid } from './github.ts'
import { assignedThen, QUOTE } from './patterns.ts'

export const rules: Rule[] = [
  tokenRule({
    id: 'npm-access-token',
    title: 'npm access token',
    severity: 'critical',
    // npm adopted GitHub's layout: npm_ + 30 random + base62(CRC32(random)) in 6 characters.
    token: drawnBy(format('npm_', BASE62(36)), (g) => g.githubToken('npm_')),
    // npm_config_* and npm_package_* variables fill CI logs.
    follows: '[A-Za-z0-9]{36}',
    validate: githubChecksumValid,
    lines: [(s) => `//registry.npmjs.org/:_authToken=${s}`, (s) => `NODE_AUTH_TOKEN=${s} npm publish --access public`],
    negatives: [`//registry.npmjs.org/:_authToken=npm_${'x'.repeat(36)}`, 'NPM_TOKEN=npm_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789', 'npm_config_cache=/tmp/.npm']
  }),
  tokenRule({
    id: 'npm-legacy-token',
    title: 'npm access token (legacy UUID)',
    severity: 'high',
    // Before npm_ tokens (2021), npm issued UUIDs; CI still passes them as NPM_TOKEN or, for
    // actions/setup-node, NODE_AUTH_TOKEN. A UUID means "npm token" only after such a name.
    token: UUID,
    regex: (t) => assignedThen('(?:npm|node)[_.-]?(?:auth[_.-]?)?token', t, '(?:[^A-Za-z0-9-]|$)'),
    keywords: ['npm_token', 'npm-token', 'npmtoken', 'npm_auth_token', 'node_auth_token'],
    // CI logs name NPM_TOKEN on most lines of a publish job (`NPM_TOKEN: ***`, `secrets.NPM_TOKEN`): only
    // an assignment of something UUID-shaped is worth the regex.
    // The same source that follows-gate.ts walks without RE2.
    follows: NPM_FOLLOWS,
    minEntropy: 2.5,
    lines: [(s) => `export NPM_TOKEN="${s}"`, (s) => `env: NODE_AUTH_TOKEN=${s}`, (s) => `{"NPM_AUTH_TOKEN":"${s}"}`],
    negatives: ['NPM_TOKEN=00000000-0000-0000-0000-000000000000', 'NPM_TOKEN=${NPM_TOKEN}', 'npm_config_cache=/tmp/.npm', 'npm_package_version=1.2.3']
  }),
  {
    id: 'npm-npmrc-auth-token',
    title: 'Registry auth token in an .npmrc',
    severity: 'high',
    // Any registry's token after npm's own `:_authToken=` key: legacy UUID npm tokens and
    // private registries. Formats that have a rule of their own are left to it (allow below).
    kind: 'pattern',
    // `=` in an .npmrc; `:` where npm prints its config as JSON (`npm config list --json`).
    regex: `(?:^|[^A-Za-z0-9_])_authToken${QUOTE}\\s*[=:]\\s*${QUOTE}([A-Za-z0-9_.~+/=:-]{20,})(?:[^A-Za-z0-9_.~+/=:-]|$)`,
    keywords: ['_authtoken'],
    // Legacy npm tokens are UUIDs: 1 in 700 of them is under 3.3.
    minEntropy: 2.6,
    allow: {
      secrets: [
        // Formats with their own rule (an npm_ that failed its checksum is made up, not a leak).
        '^(?:npm_|gh[pousr]_|github_pat_|glpat-|gldt-|AKCp|cmVmdGtu)',
        '^\\$\\{?[A-Za-z_]',
        '^[xX*]+$',
        // Whole words only: one random token in 2,000 starts with "my" or "token".
        '(?i)^(?:your|my|redacted|placeholder|example|changeme|token)(?:[_.-]|$)'
      ]
    },
    examples: {
      positives: (g) => {
        const uuid = `${g.hex(8)}-${g.hex(4)}-4${g.hex(3)}-${g.chars('89ab', 1)}${g.hex(3)}-${g.hex(12)}`
        const other = g.base62(64)
        return [
          { line: `//registry.npmjs.org/:_authToken=${uuid}`, secret: uuid },
          { line: `//npm.pkg.internal.example/:_authToken="${other}"`, secret: other },
          { line: `{"//registry.npmjs.org/:_authToken": "${uuid}"}`, secret: uuid }
        ]
      },
      negatives: [
        '//registry.npmjs.org/:_authToken=${NPM_TOKEN}',
        '//registry.npmjs.org/:_authToken=xxxxxxxxxxxxxxxxxxxxxxxx',
        '//registry.npmjs.org/:_authToken=YOUR_NPM_TOKEN_GOES_HERE'
      ]
    }
  }
]
