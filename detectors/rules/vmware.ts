// Credentials in a PowerCLI `Connect-VIServer` invocation: vCenter and ESXi
// logins that automation transcripts and CI logs print. Shape from Nosey
// Parker's np.vmware.1 (Apache-2.0).

import type { Rule } from '../rule.ts'
import { password, secretsIn } from './define.ts'

export const rules: Rule[] = [
  {
    id: 'vmware-viserver-password',
    title: 'Password in a PowerCLI Connect-VIServer command',
    severity: 'high',
    // A password a person picked (VMware1!): a format rule whose format is the command, capped at medium confidence.
    kind: 'pattern',
    tags: ['unchecked'],
    regex: '(?i)connect-viserver\\s[^\\n]*?\\s-user\\s+\\S{3,30}\\s+(?:[^\\n]*?\\s)?-password\\s+["\']?([^\\s"\']{3,30})',
    keywords: ['connect-viserver'],
    minEntropy: 2.0,
    // PowerShell expands an unquoted or double-quoted `$name`: the value is a variable, whatever follows it
    // (an nginx error log appends `, client: …` right after the command).
    allow: { secrets: ['^\\$[A-Za-z_]'] },
    examples: {
      positives: secretsIn(password, [
        (s) => `PS> Connect-VIServer -Server vc01.corp.example -User administrator@vsphere.local -Password ${s}`,
        (s) => `Connect-VIServer "vc02.corp.example" -User "svc-backup" -Protocol https -Password "${s}" | Out-Null`
      ]),
      negatives: [
        'Connect-VIServer "$endpoint" -User "$username" -Password "$password" | Out-Null',
        'Connect-VIServer $host -user $ESXiUser -password $ESXipass',
        'Connect-VIServer $host -user $ESXiUser -password $ESXipass, client: 10.0.0.1, server: vc',
        'Connect-VIServer -Server vc01 -Credential $cred'
      ]
    }
  }
]
