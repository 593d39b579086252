import { shannonEntropy } from '../entropy.ts'
import { BASE62, charset, DIGITS, drawnBy, format, re, tokenRule, UPPER_DIGITS } from './define.ts'
import { END_ALNUM, END_DASH } from './patterns.ts'

// Slack token families by prefix: xoxb bot, xoxp user, xapp app-level,
// xoxe.xox[bp] rotating config access tokens and xoxe refresh tokens, and the
// retired xoxa/xoxr workspace and xoxo/xoxs legacy tokens that still turn up
// in old configuration. Webhook URLs carry their secret in the path.

const BEFORE = '(?:^|[^A-Za-z0-9-])'
const TEAM = 'T[A-Z0-9]{8,12}'

/** A webhook URL is mostly fixed text: judge the randomness of its final path segment only. */
const randomTail = (url: string): boolean => shannonEntropy(url.slice(url.lastIndexOf('/') + 1)) >= 2.5
/** A workspace token's numeric ids repeat digits (`511111111`): judge its random last segment. */
const randomLastSegment = (token: string): boolean => shannonEntropy(token.slice(token.lastIndexOf('-') + 1)) >= 3.0
// The path of a webhook as gitleaks' slack-webhook-url states it (MIT): 43 or more characters of
// base64 after services/, workflows/ or triggers/, slashes included — ids of any length and the
// secret, in whatever layout Slack issues next (unbounded: a range above 40 costs RE2 its DFA).
const WEBHOOK_PATH = '[A-Za-z0-9+/]{43,}'

const UP = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'

export const rules = [
  tokenRule({
    id: 'slack-bot-token',
    title: 'Slack bot token',
    severity: 'high',
    // The secret part is 24 characters in most tokens; older workspaces issued longer ones (gitleaks admits any run).
    token: format('xoxb-', DIGITS.between(10, 13, 12), '-', DIGITS.between(10, 13, 13), '-', BASE62.between(24, 34, 24)),
    before: BEFORE,
    after: END_ALNUM,
    minEntropy: 3.0,
    lines: [(s) => `{"level":"info","msg":"posting to slack","token":"${s}"}`],
    negatives: ['SLACK_BOT_TOKEN=xoxb-your-token-here', `xoxb-000000000000-0000000000000-${'x'.repeat(24)}`]
  }),
  tokenRule({
    id: 'slack-user-token',
    title: 'Slack user token',
    severity: 'high',
    // xoxe- with three numeric ids is the same user token as Slack's file URLs carry it (`?t=xoxe-…`; gitleaks' slack-user-token).
    token: format(
      re('xox[pe]-', () => 'xoxp-'),
      DIGITS.between(10, 13, 12),
      '-',
      DIGITS.between(10, 13, 12),
      '-',
      DIGITS.between(10, 13, 13),
      '-',
      BASE62.between(28, 34, 32)
    ),
    keywords: ['xoxp-', 'xoxe-'],
    before: BEFORE,
    minEntropy: 2.5,
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
  }),
  tokenRule({
    id: 'slack-app-token',
    title: 'Slack app-level token',
    severity: 'high',
    token: drawnBy(
      format('xapp-', DIGITS(1), '-', UPPER_DIGITS.between(9, 12, 11), '-', DIGITS.between(10, 13, 13), '-', BASE62.atLeast(32, 64)),
      (g) => `xapp-1-A${g.chars(UP, 10)}-${g.digits(13)}-${g.hex(64)}`
    ),
    before: BEFORE,
    minEntropy: 3.0,
    lines: [(s) => `socket_mode: {app_token: "${s}"}`],
    negatives: ['SLACK_APP_TOKEN=xapp-1-...', `xapp-1-A0000000000-0000000000000-${'0'.repeat(64)}`]
  }),
  tokenRule({
    id: 'slack-app-token-legacy',
    title: 'Slack app token (older xapp-<12 digits>- format)',
    severity: 'high',
    // xapp- then a 12-digit id and 24 base64 characters: the format of Nosey Parker's np.slack.5 (Apache-2.0),
    // which predates the xapp-1- app-level tokens above.
    token: format('xapp-', DIGITS(12), '-', charset('A-Za-z0-9/+', `${UP}abcdefghijklmnopqrstuvwxyz/+`)(24)),
    before: BEFORE,
    after: '(?:[^A-Za-z0-9/+_-]|$)',
    minEntropy: 3.5,
    lines: [(s) => `ENV SLACK_TOKEN="${s}" \\`, (s) => `{"level":"debug","msg":"socket client","token":"${s}"}`],
    negatives: [`xapp-000000000000-${'A'.repeat(24)}`, 'xapp-123456789012-<token>', `xapp-123456789012-${'Ab3'.repeat(9)}`]
  }),
  tokenRule({
    id: 'slack-config-access-token',
    title: 'Slack app configuration access token',
    severity: 'high',
    token: drawnBy(format('xoxe.xox', charset('bp', 'bp')(1), '-', DIGITS(1), '-', BASE62.atLeast(155, 164)), (g) => `xoxe.xoxp-1-${g.base62(164)}`),
    before: BEFORE,
    minEntropy: 4.0,
    lines: [(s) => `slack config token rotated: ${s}`],
    negatives: [`xoxe.xoxp-1-${'A'.repeat(164)}`, 'export SLACK_CONFIG_TOKEN=xoxe.xoxp-1-REPLACE_ME']
  }),
  tokenRule({
    id: 'slack-config-refresh-token',
    title: 'Slack app configuration refresh token',
    severity: 'high',
    token: drawnBy(format('xoxe-', DIGITS(1), '-', BASE62.atLeast(140, 146)), (g) => `xoxe-1-${g.base62(146)}`),
    before: BEFORE,
    minEntropy: 4.0,
    lines: [(s) => `{"refresh_token":"${s}","exp":43200}`],
    negatives: [`xoxe-1-${'x'.repeat(146)}`, 'refresh_token: xoxe-1-...']
  }),
  tokenRule({
    id: 'slack-legacy-bot-token',
    title: 'Slack legacy bot token',
    severity: 'high',
    token: format('xoxb-', DIGITS.between(8, 14, 11), '-', BASE62.between(18, 26, 24)),
    before: BEFORE,
    after: END_DASH,
    minEntropy: 3.5,
    lines: [(s) => `hubot --adapter slack --token ${s}`],
    negatives: [`HUBOT_SLACK_TOKEN=xoxb-${'0'.repeat(11)}-${'a'.repeat(24)}`, 'HUBOT_SLACK_TOKEN=xoxb-legacy-token']
  }),
  tokenRule({
    id: 'slack-legacy-workspace-token',
    title: 'Slack legacy workspace app or refresh token',
    severity: 'high',
    token: re('xox[ar]-(?:[0-9]-)?[0-9A-Za-z]{8,}(?:-[0-9A-Za-z]{4,}){0,4}'),
    before: BEFORE,
    after: END_DASH,
    keywords: ['xoxa-', 'xoxr-'],
    validate: randomLastSegment,
    positives: (g) => {
      const a = `xoxa-2-${g.digits(12)}-${g.digits(12)}-${g.digits(12)}-${g.hex(64)}`
      const b = `xoxr-${g.base62(40)}`
      return [
        { line: `workspace_token=${a}`, secret: a },
        { line: `{"refresh":"${b}"}`, secret: b }
      ]
    },
    negatives: ['xoxa-2-xxxxxxxx', 'token type xoxr-token']
  }),
  tokenRule({
    id: 'slack-legacy-token',
    title: 'Slack legacy user token',
    severity: 'high',
    // The hex tail is 10 characters in many legacy tokens (gitleaks' examples), 64 in others.
    token: re('xox[os]-[0-9]{6,15}-[0-9]{6,15}-[0-9]{6,15}-[a-fA-F0-9]{10,}', (g) => `xoxs-${g.digits(10)}-${g.digits(11)}-${g.digits(12)}-${g.hex(64)}`),
    before: BEFORE,
    keywords: ['xoxo-', 'xoxs-'],
    minEntropy: 2.5,
    lines: [(s) => `legacy_token: "${s}"`],
    negatives: [`xoxs-0000000000-00000000000-000000000000-${'0'.repeat(64)}`, 'xoxo-123-legacy']
  }),
  tokenRule({
    id: 'slack-webhook-url',
    title: 'Slack incoming webhook URL',
    severity: 'medium',
    token: re(`(?:https?://)?hooks\\.slack\\.com/services/(?:${TEAM}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24}|${WEBHOOK_PATH})`),
    before: '',
    keywords: ['hooks.slack.com/services/'],
    validate: randomTail,
    positives: (g) => {
      const a = `https://hooks.slack.com/services/T${g.chars(UP, 8)}/B${g.chars(UP, 10)}/${g.base62(24)}`
      const b = `https://hooks.slack.com/services/T${g.chars(UP, 10)}/B${g.chars(UP, 11)}/${g.base62(24)}`
      return [
        { line: `SLACK_WEBHOOK_URL=${a}`, secret: a },
        { line: `curl -X POST -d '{"text":"deploy done"}' ${b}`, secret: b }
      ]
    },
    negatives: [
      'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
      'webhook: https://hooks.slack.com/services/<team>/<bot>/<token>'
    ]
  }),
  tokenRule({
    id: 'slack-workflow-webhook-url',
    title: 'Slack workflow webhook URL',
    severity: 'medium',
    token: re(
      `(?:https?://)?hooks\\.slack\\.com/(?:workflows/${TEAM}/A[A-Z0-9]{8,12}/[0-9]{8,20}/[A-Za-z0-9]{20,32}|triggers/${TEAM}/[0-9]{8,20}/[A-Za-z0-9]{24,32}|(?:workflows|triggers)/${WEBHOOK_PATH})`
    ),
    before: '',
    keywords: ['hooks.slack.com/workflows/', 'hooks.slack.com/triggers/'],
    validate: randomTail,
    positives: (g) => {
      const a = `https://hooks.slack.com/workflows/T${g.chars(UP, 10)}/A${g.chars(UP, 10)}/${g.digits(18)}/${g.base62(24)}`
      const b = `https://hooks.slack.com/triggers/T${g.chars(UP, 9)}/${g.digits(13)}/${g.hex(32)}`
      return [
        { line: `notify: {url: "${a}"}`, secret: a },
        { line: `POST ${b} 200`, secret: b }
      ]
    },
    negatives: ['https://hooks.slack.com/workflows/T00000000/A00000000/000000000000000000/xxxxxxxxxxxxxxxxxxxxxxxx', 'see hooks.slack.com/triggers/ docs']
  })
]
