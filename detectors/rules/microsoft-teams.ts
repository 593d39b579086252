import { format, HEX, re, tokenRule, UUID } from './define.ts'

// An incoming webhook posts to a Teams channel with nothing but its URL: the URL is the credential.
// Old host outlook.office.com/webhook/, current <tenant>.webhook.office.com/webhookb2/; the path holds
// the group and tenant UUIDs, then IncomingWebhook/<32 hex>/<connector UUID> (and a signature on the
// newest ones, which the match leaves to the line's masking).
const HOST = re(
  '(?:outlook\\.office\\.com/webhook|[a-z0-9-]+\\.webhook\\.office\\.com/webhookb2)',
  (g) => `${g.chars('abcdefghijklmnop', 8)}.webhook.office.com/webhookb2`
)

export const rules = [
  tokenRule({
    id: 'microsoft-teams-webhook-url',
    title: 'Microsoft Teams incoming webhook URL',
    severity: 'high',
    token: format('https://', HOST, '/', UUID, '@', UUID, '/IncomingWebhook/', HEX(32), '/', UUID),
    keywords: ['incomingwebhook'],
    lines: [(s) => `curl -H "Content-Type: application/json" -d '{"text":"deploy done"}' ${s}`, (s) => `TEAMS_WEBHOOK_URL=${s}`],
    negatives: ['https://outlook.office.com/webhook/<group>@<tenant>/IncomingWebhook/<id>/<connector>']
  })
]
