import { format, HEX, tokenRule } from './define.ts'
import { assigned, keyOf } from './patterns.ts'

// Current keys: sk_ + 48 hex; older keys: 32 bare hex. sk_ is shared with
// other providers, so both are anchored on the ElevenLabs name or the
// xi-api-key header its API reads.
const NAMES = keyOf('elevenlabs|eleven_labs|xi[_-]api')
const KEYWORDS = ['elevenlabs', 'eleven_labs', 'xi-api', 'xi_api']

export const rules = [
  tokenRule({
    id: 'elevenlabs-api-key',
    title: 'ElevenLabs API key',
    severity: 'high',
    token: format('sk_', HEX(48)),
    regex: (t) => assigned(NAMES, t),
    keywords: KEYWORDS,
    minEntropy: 2.5,
    lines: [(s) => `ELEVENLABS_API_KEY=${s}`, (s) => `curl https://api.elevenlabs.io/v1/voices -H "xi-api-key: ${s}"`],
    negatives: [`ELEVENLABS_API_KEY=sk_${'0'.repeat(48)}`, 'ELEVENLABS_API_KEY=sk_...']
  }),
  tokenRule({
    id: 'elevenlabs-legacy-api-key',
    title: 'ElevenLabs API key (legacy hex)',
    severity: 'high',
    token: HEX(32),
    regex: (t) => assigned(NAMES, t),
    keywords: KEYWORDS,
    minEntropy: 2.5,
    lines: [(s) => `{"tts":{"elevenlabs_api_key":"${s}"}}`],
    negatives: [`xi-api-key: ${'0'.repeat(32)}`, 'voice_id=0123456789abcdef0123456789abcdef']
  })
]
