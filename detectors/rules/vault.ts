import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { BASE64URL, drawnBy, format, re, tokenRule } from './define.ts'
import { END_DASH, named } from './patterns.ts'

// Since Vault 1.10 token types are prefixed: hvs. service tokens (a ~95
// character base64url blob, or 24 base62 for root tokens made by
// generate-root and dev servers), hvb. batch tokens (longer, encrypted) and
// hvr. recovery tokens. Before that, service tokens were s. + 24 and batch
// tokens b. + a blob: too short a prefix to match without the Vault name.
// Any run of 24 or more after hvs./hvr. (Nosey Parker's np.hashicorp.4 and .6 take 37): the prefix is
// distinctive, and lengths between the root token's 24 and the blob's ~95 turn up (namespaced tokens).
const BLOB_OR_ROOT = re('[A-Za-z0-9_-]{24,}')

export const rules: Rule[] = [
  tokenRule({
    id: 'vault-service-token',
    title: 'HashiCorp Vault service token',
    severity: 'high',
    token: format('hvs.', BLOB_OR_ROOT),
    minEntropy: 3.0,
    positives: (g) => {
      const a = `hvs.CAESI${g.chars(ALPHABETS.base64url, 90)}`
      const b = `hvs.${g.base62(24)}`
      return [
        { line: `VAULT_TOKEN=${a}`, secret: a },
        { line: `Root Token: ${b}`, secret: b }
      ]
    },
    negatives: ['VAULT_TOKEN=hvs.xxxxxxxxxxxxxxxxxxxxxxxx', 'export VAULT_TOKEN=hvs.<token>', 'see hvs.example for details']
  }),
  tokenRule({
    id: 'vault-batch-token',
    title: 'HashiCorp Vault batch token',
    severity: 'high',
    // Batch tokens Vault issues are encrypted blobs of 138 or more; shorter runs after hvb. are taken as for
    // hvs. (Nosey Parker's np.hashicorp.5 has 37): the prefix is distinctive.
    token: drawnBy(format('hvb.', BASE64URL.atLeast(24, 176)), (g) => `hvb.AAAAAQ${g.chars(ALPHABETS.base64url, 170)}`),
    minEntropy: 3.5,
    positives: (g) => {
      const a = `hvb.AAAAAQ${g.chars(ALPHABETS.base64url, 170)}`
      const b = `hvb.${g.base62(37)}`
      return [
        { line: `{"auth":{"client_token":"${a}","renewable":false}}`, secret: a },
        { line: `apikey: ${b}`, secret: b }
      ]
    },
    negatives: [`hvb.${'A'.repeat(150)}`, 'hvb.example', `hvb.${'x'.repeat(37)}`]
  }),
  tokenRule({
    id: 'vault-recovery-token',
    title: 'HashiCorp Vault recovery token',
    severity: 'critical',
    token: drawnBy(format('hvr.', BLOB_OR_ROOT), (g) => `hvr.${g.base62(24)}`),
    minEntropy: 3.0,
    lines: [(s) => `Recovery token: ${s}`],
    negatives: ['hvr.xxxxxxxxxxxxxxxxxxxxxxxx']
  }),
  tokenRule({
    id: 'vault-legacy-token',
    title: 'HashiCorp Vault token (pre-1.10 format)',
    severity: 'high',
    // s. + 24, or s. + a CAES… blob (server-side consistent tokens, Nosey Parker's np.hashicorp.1), or b. + a blob;
    // after a Vault name and an assignment, or a `-vaultToken` / `--vault-token` flag and its value.
    token: re('s\\.[A-Za-z0-9]{24}|s\\.CAES[A-Za-z0-9_-]{60,}|b\\.[A-Za-z0-9_-]{100,}', (g) => `s.${g.base62(24)}`),
    regex: (t) => `(?:${named('vault')}|(?i:-{1,2}vault[_-]?token)[ \\t]+["']?)(${t})${END_DASH}`,
    keywords: ['vault'],
    minEntropy: 3.0,
    positives: (g) => {
      const a = `s.${g.base62(24)}`
      const b = `s.${g.base62(24)}`
      const c = `s.CAESI${g.chars(ALPHABETS.base64url, 90)}`
      return [
        { line: `VAULT_TOKEN=${a}`, secret: a },
        { line: `curl -H "X-Vault-Token: ${b}" https://vault.acme.io:8200/v1/secret/data/app`, secret: b },
        { line: `\`-vaultToken ${c}"\``, secret: c }
      ]
    },
    negatives: [
      'VAULT_TOKEN=s.xxxxxxxxxxxxxxxxxxxxxxxx',
      'vault_addr: s.example.com',
      'VAULT_TOKEN=$(cat /run/secrets/token)',
      '-vaultToken s.getServerAddressByClientCIDRs'
    ]
  }),
  {
    id: 'vault-unseal-key',
    title: 'HashiCorp Vault unseal or recovery key share',
    // Enough shares unseal the barrier: every secret in the Vault.
    severity: 'critical',
    kind: 'pattern',
    // `vault operator init` prints `Unseal Key 1: <base64>` (and `Recovery Key 1:` with auto-unseal); runbooks
    // and CI echo `vault operator unseal <key>`. A share is 33 bytes by default: 44 base64 characters
    // (Nosey Parker's np.hashicorp.7, Apache-2.0); other share sizes run longer.
    regex:
      '(?i)(?:(?:unseal|recovery) key(?: [0-9]{1,2})?:\\s*|vault operator unseal\\s+(?:-[a-z-]+(?:=\\S+)?\\s+)*)([A-Za-z0-9+/]{40,}={0,2})(?:[^A-Za-z0-9+/=]|$)',
    keywords: ['unseal key', 'recovery key', 'operator unseal'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const share = (): string => Buffer.from(g.chars(ALPHABETS.base62, 33), 'latin1').toString('base64')
        const a = share()
        const b = share()
        const c = share()
        return [
          { line: `Unseal Key 1: ${a}`, secret: a },
          { line: `+ kubectl -n vault exec vault-0 -- vault operator unseal ${b}`, secret: b },
          { line: `{"level":"info","msg":"Recovery Key 3: ${c}"}`, secret: c }
        ]
      },
      negatives: ['Unseal Key 1: <redacted>', 'vault operator unseal -migrate', `Unseal Key 2: ${'A'.repeat(44)}`, 'Unseal Progress: 1/3']
    }
  }
]
