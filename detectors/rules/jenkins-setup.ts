// The initial admin password a new Jenkins controller prints to its log on
// first start (the setup wizard's unlock key, also written to
// secrets/initialAdminPassword): 32 hex digits on a line of their own
// between "Please use the following password to proceed to installation:"
// and "This may also be found at: …". `kubectl logs` of a Jenkins pod shows
// it; until the wizard is finished it unlocks an administrator account. The
// banner's text is Jenkins' own (SetupWizard); Nosey Parker's np.jenkins.2
// (Apache-2.0) matches the same. A block rule: the header is the banner's
// line, the body the line(s) after it, up to the "found at" line.

import type { Rule } from '../rule.ts'

const BANNER = [
  '*************************************************************',
  '',
  'Jenkins initial setup is required. An admin user has been created and a password generated.',
  'Please use the following password to proceed to installation:',
  ''
]

export const rules: Rule[] = [
  {
    id: 'jenkins-initial-admin-password',
    title: 'Jenkins initial admin password (setup wizard)',
    severity: 'high',
    kind: 'pattern',
    regex: 'Please use the following password to proceed to installation:',
    keywords: ['please use the following password to proceed to installation:'],
    block: { end: 'This may also be found at', minBodyChars: 32 },
    // 32 random hex digits score under 2.8 about once in a million; the bar refuses runs and repeats.
    minEntropy: 2.5,
    validate: (s) => /^[0-9a-f]{32}$/.test(s),
    examples: {
      positives: (g) => {
        const a = g.hex(32)
        const b = g.hex(32)
        return [
          { line: [...BANNER, a, '', 'This may also be found at: /var/jenkins_home/secrets/initialAdminPassword'].join('\n'), secret: a },
          {
            line: `{"log":"Please use the following password to proceed to installation:\\n\\n${b}\\n\\nThis may also be found at: /var/jenkins_home/secrets/initialAdminPassword\\n","stream":"stdout"}`,
            secret: b
          }
        ]
      },
      negatives: [
        [...BANNER, '0'.repeat(32), '', 'This may also be found at: /var/jenkins_home/secrets/initialAdminPassword'].join('\n'),
        'Please use the following password to proceed to installation: see the logs',
        [...BANNER, '<password>', '', 'This may also be found at: /var/jenkins_home/secrets/initialAdminPassword'].join('\n')
      ]
    }
  }
]
