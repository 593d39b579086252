import type { Rule } from '../rule.ts'
import { assigned, keyOf } from './patterns.ts'

// Current keys: sk_ + 48 hex; older keys: 32 bare hex. sk_ is shared with
// other providers, so both are anchored on the ElevenLabs name or the
// xi-api-key header its API reads.
const NAMES = keyOf('elevenlabs|eleven_labs|xi[_-]api')

export const rules: Rule[] = [
  {
    id: 'elevenlabs-api-key',
    title: 'ElevenLabs API key',
    severity: 'high',
    kind: 'pattern',
    regex: assigned(NAMES, 'sk_[a-f0-9]{48}'),
    keywords: ['elevenlabs', 'eleven_labs', 'xi-api', 'xi_api'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = `sk_${g.hex(48)}`
        const b = `sk_${g.hex(48)}`
        return [
          { line: `ELEVENLABS_API_KEY=${a}`, secret: a },
          { line: `curl https://api.elevenlabs.io/v1/voices -H "xi-api-key: ${b}"`, secret: b }
        ]
      },
      negatives: [`ELEVENLABS_API_KEY=sk_${'0'.repeat(48)}`, 'ELEVENLABS_API_KEY=sk_...']
    }
  },
  {
    id: 'elevenlabs-legacy-api-key',
    title: 'ElevenLabs API key (legacy hex)',
    severity: 'high',
    kind: 'pattern',
    regex: assigned(NAMES, '[a-f0-9]{32}'),
    keywords: ['elevenlabs', 'eleven_labs', 'xi-api', 'xi_api'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const secret = g.hex(32)
        return [{ line: `{"tts":{"elevenlabs_api_key":"${secret}"}}`, secret }]
      },
      negatives: [`xi-api-key: ${'0'.repeat(32)}`, 'voice_id=0123456789abcdef0123456789abcdef']
    }
  }
]
