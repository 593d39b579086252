// Passwords in .NET's own credential shapes, which PowerShell transcripts,
// build logs and dumped configuration print: the password argument of
// `new NetworkCredential(userName, password)` (System.Net), and the value of
// an `<add key="…" value="…"/>` entry whose key names a password or secret —
// appSettings in app.config/web.config, and NuGet.config's
// packageSourceCredentials (`ClearTextPassword`). Shapes from Nosey Parker's
// np.generic.7 and np.generic.9 (Apache-2.0); the argument order and element
// names are .NET's documented API.

import { madeUpValue } from '../gates.ts'
import type { Rule } from '../rule.ts'
import { password, secretsIn } from './define.ts'
import { PICKED_NOT_SECRETS } from './patterns.ts'

export const rules: Rule[] = [
  {
    id: 'dotnet-network-credential',
    title: 'Password in a .NET NetworkCredential',
    severity: 'high',
    // A password a person picked: a format rule whose format is the constructor call, capped at medium confidence.
    kind: 'pattern',
    tags: ['unchecked'],
    // The user name is a string literal or a variable; the password (second argument) a string literal.
    regex: '(?i:NetworkCredential)[ \\t]*\\([ \\t]*(?:"[^"\\n]{0,40}"|[A-Za-z_][\\w.]{0,40})[ \\t]*,[ \\t]*"([^"\\s]{4,})"',
    keywords: ['networkcredential'],
    minEntropy: 2.0,
    allow: { secrets: PICKED_NOT_SECRETS },
    examples: {
      positives: secretsIn(password, [
        (s) => `$webClient.Credentials = New-Object System.Net.NetworkCredential("svc-download", "${s}")`,
        (s) => `smtp.Credentials = new NetworkCredential(settings.User, "${s}");`
      ]),
      negatives: [
        'client.Credentials = new NetworkCredential(user, password);',
        'new NetworkCredential("user", "${SMTP_PASSWORD}")',
        'new NetworkCredential("user", "<password>")',
        'CredentialCache.DefaultNetworkCredentials'
      ]
    }
  },
  {
    id: 'dotnet-config-password',
    // A format rule whose value a provider's rule may know better (a TeamCity token as a NuGet feed's password).
    fallback: true,
    title: 'Password in a .NET or NuGet configuration entry',
    severity: 'medium',
    // An entry whose key ends in Password holds one a person picked (Prestigitariu$, Nosey Parker's np.generic.9),
    // which the generic gates take for a word: as for NetworkCredential, the element is the format.
    kind: 'pattern',
    tags: ['unchecked'],
    regex: '(?i)<add[ \\t]+key[ \\t]*=[ \\t]*"[^"\\n]{0,40}(?:password|passwd|pwd)"[ \\t]+value[ \\t]*=[ \\t]*"([^"\\s]{4,})"',
    keywords: ['<add key'],
    minEntropy: 2.0,
    // Switches and lengths share the key's name (RequireStrongPassword=enabled, PasswordLength=2048); the
    // shorter switches (yes, no, on, off) are under the four characters the value takes.
    validate: (s) => !madeUpValue(s) && !/^(?:[0-9]+|enabled|disabled)$/i.test(s),
    allow: { secrets: PICKED_NOT_SECRETS },
    examples: {
      positives: (g) => {
        const [a, b] = [password(g), password(g)]
        // A word and a symbol, which the generic gates refuse.
        const c = `${g.password().replace(/[^A-Za-z]/g, '')}$`
        return [
          { line: `<add key="SmtpPassword" value="${a}" />`, secret: a },
          { line: `<add key="ClearTextPassword" value="${b}" />`, secret: b },
          { line: `<add key="FromEmailPassword" value="${c}"/>`, secret: c }
        ]
      },
      negatives: [
        '<add key="SmtpPassword" value="" />',
        '<add key="SmtpPassword" value="${SMTP_PASSWORD}" />',
        '<add key="RequireUniquePassword" value="true" />',
        '<add key="MaxPassword" value="2048" />',
        '<add key="ClearTextPassword" value="%NUGET_PASSWORD%" />'
      ]
    }
  },
  {
    id: 'dotnet-config-secret',
    fallback: true,
    title: 'Password or secret in a .NET or NuGet configuration entry',
    severity: 'medium',
    kind: 'generic',
    regex:
      '(?i)<add[ \\t]+key[ \\t]*=[ \\t]*"[^"\\n]{0,40}(?:password|passwd|pwd|secret|api[_.-]?key|apikey|token)[^"\\n]{0,30}"[ \\t]+value[ \\t]*=[ \\t]*"([^"\\n]{4,})"',
    keywords: ['<add key'],
    minEntropy: 2.5,
    allow: { secrets: PICKED_NOT_SECRETS },
    examples: {
      // Keys that end in Password are dotnet-config-password's.
      positives: secretsIn(password, [
        (s) => `<add key="ServiceBusSecret" value="${s}" />`,
        (s) => `<add key="PasswordSalt" value="${s}" />`,
        (s) => `  <appSettings><add key="PaymentsApiKey" value="${s}"/></appSettings>`
      ]),
      negatives: [
        '<add key="SmtpPassword" value="" />',
        '<add key="SmtpPassword" value="${SMTP_PASSWORD}" />',
        '<add key="PasswordMinLength" value="12" />',
        '<add key="ClearTextPassword" value="%NUGET_PASSWORD%" />',
        '<add key="Username" value="svc-build" />'
      ]
    }
  }
]
