import type { Rule } from '../rule.ts'
import { assignedThen } from './patterns.ts'

export const rules: Rule[] = [
  {
    id: 'circleci-personal-token',
    title: 'CircleCI personal API token',
    severity: 'critical',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9_])(CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40})(?:[^A-Za-z0-9_]|$)',
    keywords: ['ccipat_'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const secret = `CCIPAT_${g.base62(22)}_${g.hex(40)}`
        return [{ line: `curl -H "Circle-Token: ${secret}" https://circleci.com/api/v2/me`, secret }]
      },
      negatives: [`CIRCLECI_TOKEN=CCIPAT_${'x'.repeat(22)}_${'0'.repeat(40)}`, 'CIRCLECI_TOKEN=CCIPAT_<token>']
    }
  },
  {
    id: 'circleci-project-token',
    title: 'CircleCI project API token',
    severity: 'high',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9_])(CCIPRJ_[A-Za-z0-9]{22}_[a-f0-9]{40})(?:[^A-Za-z0-9_]|$)',
    keywords: ['cciprj_'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const secret = `CCIPRJ_${g.base62(22)}_${g.hex(40)}`
        return [{ line: `{"msg":"triggering pipeline","circle_token":"${secret}"}`, secret }]
      },
      negatives: [`CCIPRJ_${'a'.repeat(22)}_${'a'.repeat(40)}`]
    }
  },
  {
    id: 'circleci-legacy-token',
    title: 'CircleCI API token (unprefixed)',
    severity: 'high',
    kind: 'pattern',
    // 40 hex characters look like a commit SHA (CIRCLE_SHA1 is one), so the name must say token or key.
    regex: assignedThen('circle(?:ci)?[\\w.-]{0,12}(?:token|api[_.-]?key)', '[a-f0-9]{40}', '(?:[^A-Za-z0-9]|$)'),
    keywords: ['circle'],
    // Random 40-hex is under 3.3 one time in 700, under 2.9 one in a million: the bar only stops placeholders.
    minEntropy: 2.7,
    examples: {
      positives: (g) => {
        const a = g.hex(40)
        const b = g.hex(40)
        return [
          { line: `export CIRCLECI_TOKEN=${a}`, secret: a },
          { line: `curl --header "Circle-Token: ${b}" https://circleci.com/api/v1.1/me`, secret: b }
        ]
      },
      negatives: ['CIRCLE_SHA1=0123456789abcdef0123456789abcdef01234567', `CIRCLECI_TOKEN=${'0'.repeat(40)}`, 'CIRCLECI_TOKEN=${CIRCLECI_TOKEN}']
    }
  }
]
