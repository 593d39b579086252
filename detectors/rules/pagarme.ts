import { BASE62, format, tokenRule } from './define.ts'

// Pagar.me live API keys: ak_live_ then 30 letters and digits. Provenance: Kingfisher's
// kingfisher.pagarme.1 (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'pagarme-api-key',
    title: 'Pagar.me live API key',
    severity: 'critical',
    token: format('ak_live_', BASE62(30)),
    minEntropy: 3.0,
    lines: [(s) => `PAGARME_API_KEY=${s}`, (s) => `{"level":"error","msg":"charge failed","api_key":"${s}","status":401}`],
    negatives: [`ak_live_${'x'.repeat(30)}`, 'ak_live_<key>']
  })
]
