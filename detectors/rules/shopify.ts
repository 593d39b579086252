import { format, HEX_ANY_CASE, tokenRule } from './define.ts'

// shpat_ (Admin API access token), shpca_ (custom app), shppa_ (legacy private
// app) and shpss_ (app shared secret), each + 32 hex.
const KINDS = [
  { prefix: 'shpat_', id: 'shopify-access-token', title: 'Shopify Admin API access token', severity: 'critical' },
  { prefix: 'shpca_', id: 'shopify-custom-app-token', title: 'Shopify custom app access token', severity: 'critical' },
  { prefix: 'shppa_', id: 'shopify-private-app-token', title: 'Shopify private app access token', severity: 'critical' },
  { prefix: 'shpss_', id: 'shopify-shared-secret', title: 'Shopify app shared secret', severity: 'high' }
] as const

export const rules = KINDS.map(({ prefix, ...k }) =>
  tokenRule({
    ...k,
    token: format(prefix, HEX_ANY_CASE(32)),
    minEntropy: 2.5,
    lines: [(s) => `SHOPIFY_TOKEN=${s}`, (s) => `curl -H "X-Shopify-Access-Token: ${s}" https://acme.myshopify.com/admin/api/2024-10/shop.json`],
    negatives: [`${prefix}${'0'.repeat(32)}`, `SHOPIFY_TOKEN=${prefix}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`, `${prefix}<token>`]
  })
)
