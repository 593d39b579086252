import { BASE62, format, HEX, tokenRule } from './define.ts'
import { assignedThen } from './patterns.ts'

export const rules = [
  tokenRule({
    id: 'circleci-personal-token',
    title: 'CircleCI personal API token',
    severity: 'critical',
    token: format('CCIPAT_', BASE62(22), '_', HEX(40)),
    minEntropy: 3.5,
    lines: [(s) => `curl -H "Circle-Token: ${s}" https://circleci.com/api/v2/me`],
    negatives: [`CIRCLECI_TOKEN=CCIPAT_${'x'.repeat(22)}_${'0'.repeat(40)}`, 'CIRCLECI_TOKEN=CCIPAT_<token>']
  }),
  tokenRule({
    id: 'circleci-project-token',
    title: 'CircleCI project API token',
    severity: 'high',
    token: format('CCIPRJ_', BASE62(22), '_', HEX(40)),
    minEntropy: 3.5,
    lines: [(s) => `{"msg":"triggering pipeline","circle_token":"${s}"}`],
    negatives: [`CCIPRJ_${'a'.repeat(22)}_${'a'.repeat(40)}`]
  }),
  tokenRule({
    id: 'circleci-legacy-token',
    title: 'CircleCI API token (unprefixed)',
    severity: 'high',
    token: HEX(40),
    // 40 hex characters look like a commit SHA (CIRCLE_SHA1 is one), so the name must say token or key.
    regex: (t) => assignedThen('circle(?:ci)?[\\w.-]{0,12}(?:token|api[_.-]?key)', t, '(?:[^A-Za-z0-9]|$)'),
    keywords: ['circle'],
    // Random 40-hex is under 3.3 one time in 700, under 2.9 one in a million: the bar only stops placeholders.
    minEntropy: 2.7,
    lines: [(s) => `export CIRCLECI_TOKEN=${s}`, (s) => `curl --header "Circle-Token: ${s}" https://circleci.com/api/v1.1/me`],
    negatives: ['CIRCLE_SHA1=0123456789abcdef0123456789abcdef01234567', `CIRCLECI_TOKEN=${'0'.repeat(40)}`, 'CIRCLECI_TOKEN=${CIRCLECI_TOKEN}']
  })
]
