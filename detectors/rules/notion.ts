import { BASE62, DIGITS, format, tokenRule } from './define.ts'
import { assigned } from './patterns.ts'

// Integration tokens were secret_ + 43 base62 (a prefix too generic to stand
// alone, so it is anchored on the Notion name); since 2024 they are ntn_ +
// 11 digits + 35 base62.
export const rules = [
  tokenRule({
    id: 'notion-token',
    title: 'Notion integration token',
    severity: 'high',
    token: format('ntn_', DIGITS(11), BASE62(35)),
    minEntropy: 3.5,
    lines: [(s) => `NOTION_TOKEN=${s}`, (s) => `curl https://api.notion.com/v1/users -H "Authorization: Bearer ${s}" -H "Notion-Version: 2022-06-28"`],
    negatives: [`ntn_${'0'.repeat(11)}${'x'.repeat(35)}`, 'NOTION_TOKEN=ntn_...']
  }),
  tokenRule({
    id: 'notion-legacy-token',
    title: 'Notion integration token (legacy secret_)',
    severity: 'high',
    token: format('secret_', BASE62(43)),
    regex: (t) => assigned('notion', t),
    keywords: ['notion'],
    minEntropy: 3.5,
    lines: [(s) => `NOTION_API_KEY=${s}`, (s) => `{"notion_token":"${s}","database":"tasks"}`],
    negatives: [`NOTION_API_KEY=secret_${'x'.repeat(43)}`, 'client_secret_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG']
  })
]
