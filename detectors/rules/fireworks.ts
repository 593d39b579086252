import { BASE62, format, tokenRule } from './define.ts'

// fw_ + 24 or more base62. A three-letter prefix is thin, so the body must
// look random: entropy and all three character classes.
const randomBody = (s: string): boolean => /[0-9]/.test(s.slice(3)) && /[A-Z]/.test(s) && /[a-z]/.test(s.slice(3))

export const rules = [
  tokenRule({
    id: 'fireworks-api-key',
    title: 'Fireworks AI API key',
    severity: 'high',
    token: format('fw_', BASE62.between(24, 40, 24)),
    minEntropy: 3.3,
    validate: randomBody,
    positives: (g) => {
      // Random, with each character class present at a random place.
      const a = `fw_${g.base62(10)}${g.digits(1)}${g.base62(6)}K${g.base62(5)}q`
      const b = `fw_3${g.base62(28)}Zm${g.base62(2)}`
      return [
        { line: `FIREWORKS_API_KEY=${a}`, secret: a },
        { line: `{"llm":{"base_url":"https://api.fireworks.ai/inference/v1","api_key":"${b}"}}`, secret: b }
      ]
    },
    negatives: ['FIREWORKS_API_KEY=fw_...', 'fw_version_string=fw_FirmwareVersionNumberTwo', `fw_${'x'.repeat(24)}`]
  })
]
