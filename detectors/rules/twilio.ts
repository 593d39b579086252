import { format, HEX, tokenRule } from './define.ts'
import { END, keyOf, named } from './patterns.ts'

// Twilio credentials come in pairs: an identifier (account SID AC…, API key
// SID SK…) and a 32-hex secret (auth token, API key secret) with no prefix of
// its own. The SID is harmless alone, so the auth token is anchored on the
// Twilio name or on the account SID it is paired with (`-u AC…:token`).
export const rules = [
  tokenRule({
    id: 'twilio-auth-token',
    title: 'Twilio auth token',
    severity: 'critical',
    token: HEX(32),
    regex: (t) => `(?:${named(keyOf('twilio'))}|AC[a-f0-9]{32}:)(${t})${END}`,
    // 'ac' alone would wake this rule on half of all log lines; the `-u AC…:token` form still matches when
    // the line names Twilio (api.twilio.com), as curl calls to Twilio do.
    keywords: ['twilio'],
    minEntropy: 2.5,
    positives: (g) => {
      const a = g.hex(32)
      const b = g.hex(32)
      return [
        { line: `TWILIO_AUTH_TOKEN=${a}`, secret: a },
        { line: `curl -X POST https://api.twilio.com/2010-04-01/Accounts/AC${g.hex(32)}/Messages.json -u AC${g.hex(32)}:${b}`, secret: b }
      ]
    },
    negatives: [
      'TWILIO_AUTH_TOKEN=your_auth_token',
      `twilio_auth_token: ${'0'.repeat(32)}`,
      // A hash with no Twilio name next to it.
      'md5sum=0123456789abcdef0123456789abcdef',
      'twilio_request_id=0123456789abcdef0123456789abcdef'
    ]
  }),
  tokenRule({
    // The API key SID only names the key; it is reported because it is
    // almost always logged next to its secret, and it tells responders which
    // key to revoke.
    id: 'twilio-api-key',
    title: 'Twilio API key SID',
    severity: 'medium',
    token: format('SK', HEX(32)),
    // 'sk' is in every other word (task, disk, ask): only SK followed by the 32 hex digits counts.
    follows: '[a-f0-9]{32}',
    minEntropy: 2.5,
    lines: [(s) => `{"level":"info","twilio":{"api_key":"${s}"}}`],
    negatives: [`TWILIO_API_KEY=SK${'x'.repeat(32)}`, `TWILIO_API_KEY=SK${'0'.repeat(32)}`, 'TASK0123456789abcdef0123456789abcdef is queued']
  })
]
