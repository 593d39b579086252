// Code Climate test reporter ids: 64 hex characters that authorise coverage
// uploads for a repository, set as CC_TEST_REPORTER_ID in CI, which prints it
// when a workflow's env is echoed. Format from Nosey Parker's
// np.codeclimate.1 (Apache-2.0).

import { HEX, tokenRule } from './define.ts'
import { assigned } from './patterns.ts'

export const rules = [
  tokenRule({
    id: 'codeclimate-reporter-id',
    title: 'Code Climate test reporter id',
    severity: 'medium',
    token: HEX(64),
    regex: (t) => assigned('cc_test_reporter_id|codeclimate_repo_token', t),
    keywords: ['cc_test_reporter_id', 'codeclimate_repo_token'],
    minEntropy: 3.0,
    lines: [(s) => `  CC_TEST_REPORTER_ID: ${s}`, (s) => `+ export CC_TEST_REPORTER_ID=${s}`],
    negatives: [`CC_TEST_REPORTER_ID: ${'0'.repeat(64)}`, 'CC_TEST_REPORTER_ID: ${{ secrets.CC_TEST_REPORTER_ID }}']
  })
]
