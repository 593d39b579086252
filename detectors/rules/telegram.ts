import { madeUpValue } from '../gates.ts'
import { BASE64URL, DIGITS, format, tokenRule } from './define.ts'

// <bot id>:<35 characters starting AA>. The bot id's 8 to 10 digits, the colon, `AA` and exactly 33
// base64url characters after it are distinctive together: the token is taken bare (Nosey Parker's
// np.telegram.1 examples are), between boundaries, or in a Bot API URL
// (https://api.telegram.org/bot<token>/method), where it is most often leaked.
export const rules = [
  {
    ...tokenRule({
      id: 'telegram-bot-token',
      title: 'Telegram bot token',
      severity: 'high',
      token: format(DIGITS.between(8, 10, 10), ':AA', BASE64URL(33)),
      // Not before '=' or '+': an epoch timestamp, ':' and standard base64 that happens to start AA and run 35
      // characters before its padding is no token (a token is base64url, unpadded). A '/' may follow: the Bot
      // API's path (bot<token>/sendMessage).
      regex: (t) => `(?:^|[^A-Za-z0-9_-]|(?i:api\\.telegram\\.org/(?:file/)?bot))(${t})(?:[^A-Za-z0-9_+=-]|$)`,
      keywords: [':aa'],
      minEntropy: 3.5,
      // What people type into examples (a run of the alphabet, `example`) is no token.
      validate: (s) => !madeUpValue(s.slice(s.indexOf(':') + 3)),
      lines: [(s) => `TELEGRAM_BOT_TOKEN=${s}`, (s) => `POST https://api.telegram.org/bot${s}/sendMessage 200 OK`, (s) => `bot_token: "${s}"`, (s) => s],
      negatives: [
        'TELEGRAM_BOT_TOKEN=123456789:AAxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        'https://api.telegram.org/bot<token>/getUpdates',
        'offset 1712345678:AAbcdefghijklmnopqrstuvwxyz0123456',
        // A MAC address, an id with too few characters after it.
        'iface eth0 hwaddr 00:AA:BB:CC:DD:EE',
        '1712345678:AAQ2Fz9 retry',
        `1712345678:${Buffer.from(`\0\0${'k7#Qz!mP2@xW'.repeat(2)}`, 'latin1').toString('base64')}`
      ]
    }),
    // Every token holds `:AA` in upper case, which the keyword automaton meets in any case (`:aa` is in every
    // lower-case MAC address): checked before the regex runs.
    requires: [':AA']
  }
]
