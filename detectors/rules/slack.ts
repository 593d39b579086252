import type { Rule } from '../rule.ts'

export const rules: Rule[] = [
  {
    id: 'slack-bot-token',
    title: 'Slack bot token',
    severity: 'high',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9-])(xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24})(?:[^A-Za-z0-9]|$)',
    keywords: ['xoxb-'],
    minEntropy: 3.0,
    examples: {
      positives: (g) => {
        const secret = `xoxb-${g.digits(12)}-${g.digits(13)}-${g.base62(24)}`
        return [{ line: `{"level":"info","msg":"posting to slack","token":"${secret}"}`, secret }]
      },
      negatives: ['SLACK_BOT_TOKEN=xoxb-your-token-here', `xoxb-000000000000-0000000000000-${'x'.repeat(24)}`]
    }
  }
]
