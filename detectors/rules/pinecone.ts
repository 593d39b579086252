import type { Rule } from '../rule.ts'
import { assigned, END, keyOf, START } from './patterns.ts'

// Current keys: pcsk_ + a short key id + _ + ~63 base62 of secret. Older keys
// were bare UUIDs, anchored on the Pinecone name.
export const rules: Rule[] = [
  {
    id: 'pinecone-api-key',
    title: 'Pinecone API key',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(pcsk_[A-Za-z0-9]{4,8}_[A-Za-z0-9]{50,})${END}`,
    keywords: ['pcsk_'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `pcsk_${g.base62(6)}_${g.base62(63)}`
        const b = `pcsk_${g.base62(5)}_${g.base62(63)}`
        return [
          { line: `PINECONE_API_KEY=${a}`, secret: a },
          { line: `{"vectorstore":{"kind":"pinecone","apiKey":"${b}"}}`, secret: b }
        ]
      },
      negatives: ['PINECONE_API_KEY=pcsk_...', `pcsk_xxxxxx_${'x'.repeat(63)}`]
    }
  },
  {
    id: 'pinecone-legacy-api-key',
    title: 'Pinecone API key (legacy UUID)',
    severity: 'high',
    kind: 'pattern',
    regex: assigned(keyOf('pinecone'), '[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}'),
    keywords: ['pinecone'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const secret = `${g.hex(8)}-${g.hex(4)}-4${g.hex(3)}-8${g.hex(3)}-${g.hex(12)}`
        return [{ line: `PINECONE_API_KEY=${secret}`, secret }]
      },
      negatives: [
        'PINECONE_API_KEY=00000000-0000-0000-0000-000000000000',
        'trace_id=0123abcd-4567-89ef-0123-456789abcdef',
        'PINECONE_PROJECT_ID=0123abcd-4567-89ef-0123-456789abcdef'
      ]
    }
  }
]
