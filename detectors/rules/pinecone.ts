import { BASE62, format, tokenRule, UUID } from './define.ts'
import { assigned, keyOf } from './patterns.ts'

// Current keys: pcsk_ + a short key id + _ + ~63 base62 of secret. Older keys
// were bare UUIDs, anchored on the Pinecone name.
export const rules = [
  tokenRule({
    id: 'pinecone-api-key',
    title: 'Pinecone API key',
    severity: 'high',
    token: format('pcsk_', BASE62.between(4, 8, 6), '_', BASE62.atLeast(50, 63)),
    minEntropy: 4.0,
    lines: [(s) => `PINECONE_API_KEY=${s}`, (s) => `{"vectorstore":{"kind":"pinecone","apiKey":"${s}"}}`],
    negatives: ['PINECONE_API_KEY=pcsk_...', `pcsk_xxxxxx_${'x'.repeat(63)}`]
  }),
  tokenRule({
    id: 'pinecone-legacy-api-key',
    title: 'Pinecone API key (legacy UUID)',
    severity: 'high',
    token: UUID,
    regex: (t) => assigned(keyOf('pinecone'), t),
    keywords: ['pinecone'],
    minEntropy: 2.5,
    lines: [(s) => `PINECONE_API_KEY=${s}`],
    negatives: [
      'PINECONE_API_KEY=00000000-0000-0000-0000-000000000000',
      'trace_id=0123abcd-4567-89ef-0123-456789abcdef',
      'PINECONE_PROJECT_ID=0123abcd-4567-89ef-0123-456789abcdef'
    ]
  })
]
