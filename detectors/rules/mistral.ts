import { BASE62, tokenRule } from './define.ts'
import { assigned, keyOf } from './patterns.ts'

// 32 base62 characters with no prefix: anchored on the Mistral name.
export const rules = [
  tokenRule({
    id: 'mistral-api-key',
    title: 'Mistral AI API key',
    severity: 'high',
    token: BASE62(32),
    regex: (t) => assigned(keyOf('mistral'), t),
    keywords: ['mistral'],
    minEntropy: 3.5,
    // An MD5 next to the name (a model or file hash) is not a key; real keys mix cases.
    validate: (s) => !/^[a-f0-9]{32}$/.test(s),
    lines: [(s) => `MISTRAL_API_KEY=${s}`, (s) => `{"mistral_api_key": "${s}", "model": "mistral-large-latest"}`],
    negatives: ['MISTRAL_API_KEY=<your-key>', 'mistral_model_hash=0123456789abcdef0123456789abcdef', `MISTRAL_API_KEY=${'x'.repeat(32)}`]
  })
]
