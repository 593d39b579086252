import { BASE64URL, DIGITS, format, tokenRule } from './define.ts'
import { END_DASH, named } from './patterns.ts'

// <bot id>:<35 characters starting AA>. Digits-colon-string is common enough
// in logs that the token must follow a Telegram/bot name or sit in a Bot API
// URL (https://api.telegram.org/bot<token>/method), where it is most often leaked.
export const rules = [
  tokenRule({
    id: 'telegram-bot-token',
    title: 'Telegram bot token',
    severity: 'high',
    token: format(DIGITS.between(8, 10, 10), ':AA', BASE64URL(33)),
    regex: (t) => `(?:${named('telegram|\\btg[_.-]|bot')}|(?i:api\\.telegram\\.org/(?:file/)?bot))(${t})${END_DASH}`,
    keywords: ['telegram', 'tg_', 'tg-', 'tg.', 'bot'],
    minEntropy: 3.5,
    lines: [(s) => `TELEGRAM_BOT_TOKEN=${s}`, (s) => `POST https://api.telegram.org/bot${s}/sendMessage 200 OK`, (s) => `bot_token: "${s}"`],
    negatives: [
      'TELEGRAM_BOT_TOKEN=123456789:AAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      'https://api.telegram.org/bot<token>/getUpdates',
      // A timestamp:value pair without any Telegram context.
      'offset 1712345678:AAbcdefghijklmnopqrstuvwxyz0123456'
    ]
  })
]
