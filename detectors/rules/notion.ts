import type { Rule } from '../rule.ts'
import { assigned, END, START } from './patterns.ts'

// Integration tokens were secret_ + 43 base62 (a prefix too generic to stand
// alone, so it is anchored on the Notion name); since 2024 they are ntn_ +
// 11 digits + 35 base62.
export const rules: Rule[] = [
  {
    id: 'notion-token',
    title: 'Notion integration token',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(ntn_[0-9]{11}[A-Za-z0-9]{35})${END}`,
    keywords: ['ntn_'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const a = `ntn_${g.digits(11)}${g.base62(35)}`
        const b = `ntn_${g.digits(11)}${g.base62(35)}`
        return [
          { line: `NOTION_TOKEN=${a}`, secret: a },
          { line: `curl https://api.notion.com/v1/users -H "Authorization: Bearer ${b}" -H "Notion-Version: 2022-06-28"`, secret: b }
        ]
      },
      negatives: [`ntn_${'0'.repeat(11)}${'x'.repeat(35)}`, 'NOTION_TOKEN=ntn_...']
    }
  },
  {
    id: 'notion-legacy-token',
    title: 'Notion integration token (legacy secret_)',
    severity: 'high',
    kind: 'pattern',
    regex: assigned('notion', 'secret_[A-Za-z0-9]{43}'),
    keywords: ['notion'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const a = `secret_${g.base62(43)}`
        const b = `secret_${g.base62(43)}`
        return [
          { line: `NOTION_API_KEY=${a}`, secret: a },
          { line: `{"notion_token":"${b}","database":"tasks"}`, secret: b }
        ]
      },
      negatives: [`NOTION_API_KEY=secret_${'x'.repeat(43)}`, 'client_secret_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG']
    }
  }
]
