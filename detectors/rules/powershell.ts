import type { Gen } from '../gen.ts'
import { re, tokenRule } from './define.ts'

// PowerShell turns a plaintext password into a SecureString with `ConvertTo-SecureString "…"
// -AsPlainText -Force`: build scripts and CI steps that log their commands (Start-Transcript, `set
// -x`-style tracing, Azure DevOps' script echo) print the password there. Kingfisher's
// kingfisher.plaintext.1 (Apache-2.0) finds the same; the regex is ours. A quoted value with no
// -AsPlainText is an encrypted standard string, not the password: hex of a DPAPI blob (it starts
// 01000000d08c9ddf0115d111…, the blob's version and provider GUID) or, with -Key, of an AES one
// (76492d1116743f0423413b16050a5345…, the format's fixed header).

// Unbounded in the regex (a range this wide leaves RE2's DFA: rules.test.ts); 128 at most after the match.
const PASSWORD = re(`[^"'$\\s][^"']{5,}`, (g: Gen) => g.password())

export const rules = [
  tokenRule({
    id: 'powershell-plaintext-securestring',
    title: 'Password in plaintext passed to PowerShell ConvertTo-SecureString',
    severity: 'high',
    token: PASSWORD,
    keywords: ['convertto-securestring'],
    regex: (t) => `(?i)ConvertTo-SecureString(?:\\s+-(?:AsPlainText|Force|String)(?::\\$true)?)*\\s+["'](${t})["']`,
    minEntropy: 2.5,
    validate: (s) => s.length <= 128 && !/^(?:01000000d08c9ddf|76492d1116743f04)/i.test(s),
    lines: [
      (s) => `$pw = ConvertTo-SecureString "${s}" -AsPlainText -Force`,
      (s) => `+ $cred = New-Object PSCredential('svc-deploy', (ConvertTo-SecureString -AsPlainText -Force -String '${s}'))`
    ],
    negatives: [
      '$pw = ConvertTo-SecureString $env:DEPLOY_PASSWORD -AsPlainText -Force',
      '$pw = ConvertTo-SecureString "$Password" -AsPlainText -Force',
      `$pw = ConvertTo-SecureString "01000000d08c9ddf0115d1118c7a00c04fc297eb01000000${'a1'.repeat(40)}"`,
      '$pw = ConvertTo-SecureString "<password>" -AsPlainText -Force'
    ],
    // A password people pick, not a format: never high confidence (the `unchecked` tag caps it at medium).
    tags: ['kingfisher', 'password', 'unchecked']
  })
]
