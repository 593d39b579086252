import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { END_DASH, named } from './patterns.ts'

// <bot id>:<35 characters starting AA>. Digits-colon-string is common enough
// in logs that the token must follow a Telegram/bot name or sit in a Bot API
// URL (https://api.telegram.org/bot<token>/method), where it is most often leaked.
export const rules: Rule[] = [
  {
    id: 'telegram-bot-token',
    title: 'Telegram bot token',
    severity: 'high',
    kind: 'pattern',
    regex: `(?:${named('telegram|\\btg[_.-]|bot')}|(?i:api\\.telegram\\.org/(?:file/)?bot))([0-9]{8,10}:AA[A-Za-z0-9_-]{33})${END_DASH}`,
    keywords: ['telegram', 'tg_', 'tg-', 'tg.', 'bot'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const token = (): string => `${g.digits(10)}:AA${g.chars(ALPHABETS.base64url, 33)}`
        const a = token()
        const b = token()
        const c = token()
        return [
          { line: `TELEGRAM_BOT_TOKEN=${a}`, secret: a },
          { line: `POST https://api.telegram.org/bot${b}/sendMessage 200 OK`, secret: b },
          { line: `bot_token: "${c}"`, secret: c }
        ]
      },
      negatives: [
        'TELEGRAM_BOT_TOKEN=123456789:AAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        'https://api.telegram.org/bot<token>/getUpdates',
        // A timestamp:value pair without any Telegram context.
        'offset 1712345678:AAbcdefghijklmnopqrstuvwxyz0123456'
      ]
    }
  }
]
