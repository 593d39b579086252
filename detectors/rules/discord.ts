import { shannonEntropy } from '../entropy.ts'
import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { END_DASH, named } from './patterns.ts'

// A bot token is three base64url parts: the bot's user id (a decimal
// snowflake, base64-encoded, hence the leading M, N or O), a timestamp and an
// HMAC. The shape alone is generic, so the token must follow a Discord name or
// the `Bot` authorization scheme, and its first part must decode to an id.
function snowflakeHead(token: string): boolean {
  const id = Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('latin1')
  return /^[1-9][0-9]{16,19}$/.test(id)
}

export const rules: Rule[] = [
  {
    id: 'discord-bot-token',
    title: 'Discord bot token',
    severity: 'high',
    kind: 'pattern',
    regex: `(?:${named('discord')}|(?i:\\bbot)\\s+)([MNO][A-Za-z0-9_-]{23,27}\\.[A-Za-z0-9_-]{6}\\.[A-Za-z0-9_-]{27,38})${END_DASH}`,
    keywords: ['discord', 'bot '],
    minEntropy: 3.5,
    validate: snowflakeHead,
    examples: {
      positives: (g) => {
        const token = (idDigits: number, hmac: number): string =>
          `${Buffer.from(`1${g.digits(idDigits - 1)}`).toString('base64url')}.${g.chars(ALPHABETS.base64url, 6)}.${g.chars(ALPHABETS.base64url, hmac)}`
        const a = token(18, 27)
        const b = token(19, 38)
        return [
          { line: `DISCORD_TOKEN=${a}`, secret: a },
          { line: `> GET /api/v10/users/@me Authorization: Bot ${b}`, secret: b }
        ]
      },
      negatives: [
        'DISCORD_TOKEN=<your-bot-token>',
        // Right shape, but the first part does not decode to a user id.
        `discord_token: MTIzNDU2Nzg5MDEyYWJjZGVm.${'x'.repeat(6)}.${'y'.repeat(27)}`,
        `Authorization: Bot ${'M'.repeat(24)}.AAAAAA.${'A'.repeat(27)}`
      ]
    }
  },
  {
    id: 'discord-webhook-url',
    title: 'Discord webhook URL',
    severity: 'medium',
    kind: 'pattern',
    regex: `(https://(?:(?:ptb|canary)\\.)?discord(?:app)?\\.com/api/(?:v[0-9]{1,2}/)?webhooks/[0-9]{17,20}/[A-Za-z0-9_-]{60,})${END_DASH}`,
    keywords: ['discord.com/api/', 'discordapp.com/api/'],
    validate: (url) => shannonEntropy(url.slice(url.lastIndexOf('/') + 1)) >= 4.0,
    examples: {
      positives: (g) => {
        const a = `https://discord.com/api/webhooks/1${g.digits(18)}/${g.chars(ALPHABETS.base64url, 68)}`
        const b = `https://discordapp.com/api/webhooks/1${g.digits(17)}/${g.chars(ALPHABETS.base64url, 68)}`
        return [
          { line: `alerting: {discord_webhook: "${a}"}`, secret: a },
          { line: `curl -H "Content-Type: application/json" -d '{"content":"build failed"}' ${b}`, secret: b }
        ]
      },
      negatives: [`https://discord.com/api/webhooks/123456789012345678/${'x'.repeat(68)}`, 'https://discord.com/api/webhooks/{id}/{token}']
    }
  }
]
