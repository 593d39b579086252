import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { END_DASH, named, START } from './patterns.ts'

// Since Vault 1.10 token types are prefixed: hvs. service tokens (a ~95
// character base64url blob, or 24 base62 for root tokens made by
// generate-root and dev servers), hvb. batch tokens (longer, encrypted) and
// hvr. recovery tokens. Before that, service tokens were s. + 24 and batch
// tokens b. + a blob: too short a prefix to match without the Vault name.
export const rules: Rule[] = [
  {
    id: 'vault-service-token',
    title: 'HashiCorp Vault service token',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(hvs\\.(?:[A-Za-z0-9_-]{90,}|[A-Za-z0-9]{24}))${END_DASH}`,
    keywords: ['hvs.'],
    minEntropy: 3.0,
    examples: {
      positives: (g) => {
        const a = `hvs.CAESI${g.chars(ALPHABETS.base64url, 90)}`
        const b = `hvs.${g.base62(24)}`
        return [
          { line: `VAULT_TOKEN=${a}`, secret: a },
          { line: `Root Token: ${b}`, secret: b }
        ]
      },
      negatives: ['VAULT_TOKEN=hvs.xxxxxxxxxxxxxxxxxxxxxxxx', 'export VAULT_TOKEN=hvs.<token>', 'see hvs.example for details']
    }
  },
  {
    id: 'vault-batch-token',
    title: 'HashiCorp Vault batch token',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(hvb\\.[A-Za-z0-9_-]{138,})${END_DASH}`,
    keywords: ['hvb.'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const secret = `hvb.AAAAAQ${g.chars(ALPHABETS.base64url, 170)}`
        return [{ line: `{"auth":{"client_token":"${secret}","renewable":false}}`, secret }]
      },
      negatives: [`hvb.${'A'.repeat(150)}`]
    }
  },
  {
    id: 'vault-recovery-token',
    title: 'HashiCorp Vault recovery token',
    severity: 'critical',
    kind: 'pattern',
    regex: `${START}(hvr\\.(?:[A-Za-z0-9_-]{90,}|[A-Za-z0-9]{24}))${END_DASH}`,
    keywords: ['hvr.'],
    minEntropy: 3.0,
    examples: {
      positives: (g) => {
        const secret = `hvr.${g.base62(24)}`
        return [{ line: `Recovery token: ${secret}`, secret }]
      },
      negatives: ['hvr.xxxxxxxxxxxxxxxxxxxxxxxx']
    }
  },
  {
    id: 'vault-legacy-token',
    title: 'HashiCorp Vault token (pre-1.10 format)',
    severity: 'high',
    kind: 'pattern',
    regex: `${named('vault')}(s\\.[A-Za-z0-9]{24}|b\\.[A-Za-z0-9_-]{100,})${END_DASH}`,
    keywords: ['vault'],
    minEntropy: 3.0,
    examples: {
      positives: (g) => {
        const a = `s.${g.base62(24)}`
        const b = `s.${g.base62(24)}`
        return [
          { line: `VAULT_TOKEN=${a}`, secret: a },
          { line: `curl -H "X-Vault-Token: ${b}" https://vault.acme.io:8200/v1/secret/data/app`, secret: b }
        ]
      },
      negatives: ['VAULT_TOKEN=s.xxxxxxxxxxxxxxxxxxxxxxxx', 'vault_addr: s.example.com', 'VAULT_TOKEN=$(cat /run/secrets/token)']
    }
  }
]
