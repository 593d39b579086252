import { BASE62, tokenRule } from './define.ts'
import { assigned, keyOf } from './patterns.ts'

// 40 base62 characters with no prefix: anchored on the Cohere name or the
// CO_API_KEY variable its SDKs read.
export const rules = [
  tokenRule({
    id: 'cohere-api-key',
    title: 'Cohere API key',
    severity: 'high',
    token: BASE62(40),
    regex: (t) => assigned(`${keyOf('cohere')}|(?:^|[^A-Za-z0-9])co_api_key`, t),
    keywords: ['cohere', 'co_api_key'],
    minEntropy: 3.5,
    // A git SHA next to the name is not a key; real keys mix cases.
    validate: (s) => !/^[a-f0-9]{40}$/.test(s),
    lines: [(s) => `CO_API_KEY=${s}`, (s) => `{"embeddings":{"provider":"cohere","cohere_api_key":"${s}"}}`],
    negatives: ['COHERE_API_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', 'git_sha=0123456789abcdef0123456789abcdef01234567', 'COHERE_API_KEY=<your-api-key>']
  })
]
