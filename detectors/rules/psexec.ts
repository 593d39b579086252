// Passwords on a PsExec command line (`psexec \\host -u DOMAIN\user -p
// password cmd`): Windows admin credentials that runbooks, CI jobs and
// attack tooling echo into logs. Shape from Nosey Parker's np.psexec.1
// (Apache-2.0).

import type { Rule } from '../rule.ts'
import { password, secretsIn } from './define.ts'

export const rules: Rule[] = [
  {
    id: 'psexec-password',
    title: 'Password on a PsExec command line',
    severity: 'high',
    // A password a person picked, in any shape (dev_admin, Summer2024!): the generic rules' name and word gates
    // would refuse most of them, so this is a format rule whose format is the command line; not checked, so
    // never high confidence (the `unchecked` tag caps it at medium).
    kind: 'pattern',
    tags: ['unchecked'],
    regex: '(?i)psexec(?:64)?(?:\\.exe)?\\s[^\\n]*?\\s-u\\s*\\S+\\s+-p\\s*["\']?([^\\s"\']{3,})',
    keywords: ['psexec'],
    minEntropy: 2.0,
    examples: {
      positives: secretsIn(password, [
        (s) => `psexec \\\\10.0.94.120 -u Administrator -p ${s} cmd /c whoami`,
        (s) => `[deploy] running: PsExec64.exe \\\\web-03 -accepteula -u CORP\\svc-deploy -p "${s}" -i -d C:\\deploy\\install.cmd`
      ]),
      negatives: [
        'psexec \\\\host -u Administrator -p $Password cmd',
        'PsExec.exe \\\\host -u DOMAIN\\user -p %PASSWORD% cmd',
        'psexec \\\\host -u admin cmd',
        'PsExec v2.43 - Execute processes remotely'
      ]
    }
  }
]
