import type { Rule } from '../rule.ts'
import { END, START } from './patterns.ts'

// shpat_ (Admin API access token), shpca_ (custom app), shppa_ (legacy private
// app) and shpss_ (app shared secret), each + 32 hex.
const KINDS = [
  { prefix: 'shpat_', id: 'shopify-access-token', title: 'Shopify Admin API access token', severity: 'critical' },
  { prefix: 'shpca_', id: 'shopify-custom-app-token', title: 'Shopify custom app access token', severity: 'critical' },
  { prefix: 'shppa_', id: 'shopify-private-app-token', title: 'Shopify private app access token', severity: 'critical' },
  { prefix: 'shpss_', id: 'shopify-shared-secret', title: 'Shopify app shared secret', severity: 'high' }
] as const

export const rules: Rule[] = KINDS.map(
  (k): Rule => ({
    id: k.id,
    title: k.title,
    severity: k.severity,
    kind: 'pattern',
    regex: `${START}(${k.prefix}[a-fA-F0-9]{32})${END}`,
    keywords: [k.prefix],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = `${k.prefix}${g.hex(32)}`
        const b = `${k.prefix}${g.hex(32)}`
        return [
          { line: `SHOPIFY_TOKEN=${a}`, secret: a },
          { line: `curl -H "X-Shopify-Access-Token: ${b}" https://acme.myshopify.com/admin/api/2024-10/shop.json`, secret: b }
        ]
      },
      negatives: [`${k.prefix}${'0'.repeat(32)}`, `SHOPIFY_TOKEN=${k.prefix}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`, `${k.prefix}<token>`]
    }
  })
)
