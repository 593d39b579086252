import { shannonEntropy } from '../entropy.ts'
import type { Rule } from '../rule.ts'
import { END, END_DASH } from './patterns.ts'

// Slack token families by prefix: xoxb bot, xoxp user, xapp app-level,
// xoxe.xox[bp] rotating config access tokens and xoxe refresh tokens, and the
// retired xoxa/xoxr workspace and xoxo/xoxs legacy tokens that still turn up
// in old configuration. Webhook URLs carry their secret in the path.

const BEFORE = '(?:^|[^A-Za-z0-9-])'
const TEAM = 'T[A-Z0-9]{8,12}'

/** A webhook URL is mostly fixed text: judge the randomness of its final path segment only. */
const randomTail = (url: string): boolean => shannonEntropy(url.slice(url.lastIndexOf('/') + 1)) >= 2.5

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
  },
  {
    id: 'slack-user-token',
    title: 'Slack user token',
    severity: 'high',
    kind: 'pattern',
    regex: `${BEFORE}(xoxp-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{28,34})${END}`,
    keywords: ['xoxp-'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const a = `xoxp-${g.digits(12)}-${g.digits(12)}-${g.digits(13)}-${g.hex(32)}`
        const b = `xoxp-${g.digits(11)}-${g.digits(11)}-${g.digits(12)}-${g.hex(32)}`
        return [
          { line: `SLACK_USER_TOKEN=${a}`, secret: a },
          { line: `curl -H "Authorization: Bearer ${b}" https://slack.com/api/users.list`, secret: b }
        ]
      },
      negatives: [
        'SLACK_USER_TOKEN=xoxp-<your-token>',
        `xoxp-000000000000-000000000000-0000000000000-${'0'.repeat(32)}`,
        'tokens start with xoxp- and are issued per user'
      ]
    }
  },
  {
    id: 'slack-app-token',
    title: 'Slack app-level token',
    severity: 'high',
    kind: 'pattern',
    regex: `${BEFORE}(xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,13}-[A-Za-z0-9]{32,})${END}`,
    keywords: ['xapp-'],
    minEntropy: 3.0,
    examples: {
      positives: (g) => {
        const secret = `xapp-1-A${g.chars('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', 10)}-${g.digits(13)}-${g.hex(64)}`
        return [{ line: `socket_mode: {app_token: "${secret}"}`, secret }]
      },
      negatives: ['SLACK_APP_TOKEN=xapp-1-...', `xapp-1-A0000000000-0000000000000-${'0'.repeat(64)}`]
    }
  },
  {
    id: 'slack-config-access-token',
    title: 'Slack app configuration access token',
    severity: 'high',
    kind: 'pattern',
    regex: `${BEFORE}(xoxe\\.xox[bp]-[0-9]-[A-Za-z0-9]{155,})${END}`,
    keywords: ['xoxe.xox'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const secret = `xoxe.xoxp-1-${g.base62(164)}`
        return [{ line: `slack config token rotated: ${secret}`, secret }]
      },
      negatives: [`xoxe.xoxp-1-${'A'.repeat(164)}`, 'export SLACK_CONFIG_TOKEN=xoxe.xoxp-1-REPLACE_ME']
    }
  },
  {
    id: 'slack-config-refresh-token',
    title: 'Slack app configuration refresh token',
    severity: 'high',
    kind: 'pattern',
    regex: `${BEFORE}(xoxe-[0-9]-[A-Za-z0-9]{140,})${END}`,
    keywords: ['xoxe-'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const secret = `xoxe-1-${g.base62(146)}`
        return [{ line: `{"refresh_token":"${secret}","exp":43200}`, secret }]
      },
      negatives: [`xoxe-1-${'x'.repeat(146)}`, 'refresh_token: xoxe-1-...']
    }
  },
  {
    id: 'slack-legacy-bot-token',
    title: 'Slack legacy bot token',
    severity: 'high',
    kind: 'pattern',
    regex: `${BEFORE}(xoxb-[0-9]{8,14}-[A-Za-z0-9]{18,26})${END_DASH}`,
    keywords: ['xoxb-'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const secret = `xoxb-${g.digits(11)}-${g.base62(24)}`
        return [{ line: `hubot --adapter slack --token ${secret}`, secret }]
      },
      negatives: [`HUBOT_SLACK_TOKEN=xoxb-${'0'.repeat(11)}-${'a'.repeat(24)}`, 'HUBOT_SLACK_TOKEN=xoxb-legacy-token']
    }
  },
  {
    id: 'slack-legacy-workspace-token',
    title: 'Slack legacy workspace app or refresh token',
    severity: 'high',
    kind: 'pattern',
    regex: `${BEFORE}(xox[ar]-(?:[0-9]-)?[0-9A-Za-z]{8,}(?:-[0-9A-Za-z]{4,}){0,4})${END_DASH}`,
    keywords: ['xoxa-', 'xoxr-'],
    minEntropy: 3.2,
    examples: {
      positives: (g) => {
        const a = `xoxa-2-${g.digits(12)}-${g.digits(12)}-${g.digits(12)}-${g.hex(64)}`
        const b = `xoxr-${g.base62(40)}`
        return [
          { line: `workspace_token=${a}`, secret: a },
          { line: `{"refresh":"${b}"}`, secret: b }
        ]
      },
      negatives: ['xoxa-2-xxxxxxxx', 'token type xoxr-token']
    }
  },
  {
    id: 'slack-legacy-token',
    title: 'Slack legacy user token',
    severity: 'high',
    kind: 'pattern',
    regex: `${BEFORE}(xox[os]-[0-9]{6,15}-[0-9]{6,15}-[0-9]{6,15}-[a-fA-F0-9]{16,})${END}`,
    keywords: ['xoxo-', 'xoxs-'],
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const secret = `xoxs-${g.digits(10)}-${g.digits(11)}-${g.digits(12)}-${g.hex(64)}`
        return [{ line: `legacy_token: "${secret}"`, secret }]
      },
      negatives: [`xoxs-0000000000-00000000000-000000000000-${'0'.repeat(64)}`, 'xoxo-123-legacy']
    }
  },
  {
    id: 'slack-webhook-url',
    title: 'Slack incoming webhook URL',
    severity: 'medium',
    kind: 'pattern',
    regex: `((?:https?://)?hooks\\.slack\\.com/services/${TEAM}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24})${END}`,
    keywords: ['hooks.slack.com/services/'],
    validate: randomTail,
    examples: {
      positives: (g) => {
        const up = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
        const a = `https://hooks.slack.com/services/T${g.chars(up, 8)}/B${g.chars(up, 10)}/${g.base62(24)}`
        const b = `https://hooks.slack.com/services/T${g.chars(up, 10)}/B${g.chars(up, 11)}/${g.base62(24)}`
        return [
          { line: `SLACK_WEBHOOK_URL=${a}`, secret: a },
          { line: `curl -X POST -d '{"text":"deploy done"}' ${b}`, secret: b }
        ]
      },
      negatives: [
        'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
        'webhook: https://hooks.slack.com/services/<team>/<bot>/<token>'
      ]
    }
  },
  {
    id: 'slack-workflow-webhook-url',
    title: 'Slack workflow webhook URL',
    severity: 'medium',
    kind: 'pattern',
    regex: `((?:https?://)?hooks\\.slack\\.com/(?:workflows/${TEAM}/A[A-Z0-9]{8,12}/[0-9]{8,20}/[A-Za-z0-9]{20,32}|triggers/${TEAM}/[0-9]{8,20}/[A-Za-z0-9]{24,32}))${END}`,
    keywords: ['hooks.slack.com/workflows/', 'hooks.slack.com/triggers/'],
    validate: randomTail,
    examples: {
      positives: (g) => {
        const up = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
        const a = `https://hooks.slack.com/workflows/T${g.chars(up, 10)}/A${g.chars(up, 10)}/${g.digits(18)}/${g.base62(24)}`
        const b = `https://hooks.slack.com/triggers/T${g.chars(up, 9)}/${g.digits(13)}/${g.hex(32)}`
        return [
          { line: `notify: {url: "${a}"}`, secret: a },
          { line: `POST ${b} 200`, secret: b }
        ]
      },
      negatives: ['https://hooks.slack.com/workflows/T00000000/A00000000/000000000000000000/xxxxxxxxxxxxxxxxxxxxxxxx', 'see hooks.slack.com/triggers/ docs']
    }
  }
]
