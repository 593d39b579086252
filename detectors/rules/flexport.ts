import { BASE64URL, format, tokenRule } from './define.ts'

// Flexport API keys: shltm_ then 40 letters, digits, - and _. Provenance: Kingfisher's
// kingfisher.flexport.1 (github.com/mongodb/kingfisher, Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'flexport-api-key',
    title: 'Flexport API key',
    severity: 'high',
    token: format('shltm_', BASE64URL(40)),
    minEntropy: 3.0,
    lines: [(s) => `FLEXPORT_API_KEY=${s}`, (s) => `{"msg":"shipment sync","authorization":"Bearer ${s}"}`],
    negatives: [`shltm_${'x'.repeat(40)}`]
  })
]
