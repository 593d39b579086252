import type { Rule } from '../rule.ts'
import { password, secretsIn } from './define.ts'

// Sysinternals PsExec takes the remote account's password on the command line (`-p`), and Windows
// CI jobs and deployment scripts echo that line into their logs. After `psexec … -u <user>`, the
// next `-p` argument is a password, whatever it looks like: a word or a name ("braksha",
// "dev_admin") too, which is why this is a pattern rule and not a generic one (whose gates refuse
// words). An env or batch reference ($Password, %PASS%, ${X}) is refused by the placeholder gates,
// the word "password" and its kin by the rule's allowlist. No provider to rotate at: it alerts.
//
// Provenance: the shape is Kingfisher's kingfisher.psexec.1 (github.com/mongodb/kingfisher,
// data/rules/psexec.yml, Apache-2.0); the regex is ours.

export const rules: Rule[] = [
  {
    id: 'psexec-password',
    title: 'Password on a PsExec command line (-u user -p password)',
    severity: 'high',
    kind: 'pattern',
    regex: String.raw`(?i)\bpsexec(?:64)?(?:\.exe)?\b[^\n]*?\s-u\s*(?:"[^"\n]*"|[^\s"]+)\s+-p\s*["']?([^\s"']{3,})`,
    keywords: ['psexec'],
    requires: ['-p'],
    minEntropy: 1.5,
    allow: { secrets: ['(?i)^(?:password|passw(?:or)?d|pass|pwd|secret|changeme|\\*+|x+|<[^>]*>)$'] },
    tags: ['password'],
    examples: {
      positives: secretsIn(password, [
        (s) => String.raw`+ PsExec.exe \\10.0.94.120 -accepteula -u CORP\deploy -p ${s} cmd /c C:\deploy\install.bat`,
        (s) => String.raw`psexec64 \\build-agent-07 -u "NT SERVICE\ci" -p "${s}" -i -d powershell.exe -File run.ps1`
      ]),
      negatives: [
        String.raw`psexec \\host -u Administrator -p $Password -i -d calc.exe`,
        String.raw`PsExec.exe \\host -u DOMAIN\svc -p %SVC_PASSWORD% cmd`,
        String.raw`psexec \\host -u admin cmd /c whoami`,
        String.raw`psexec \\host -u admin -p PASSWORD cmd`,
        'psexec exited with code 0'
      ]
    }
  }
]
