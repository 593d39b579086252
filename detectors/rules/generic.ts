import type { Rule } from '../rule.ts'

export const rules: Rule[] = [
  {
    id: 'generic-password-assignment',
    title: 'Password assigned in configuration or a command line',
    severity: 'medium',
    kind: 'generic',
    // NAME=value, NAME: value, "name": "value", --name=value, where NAME ends in
    // a password-ish word. The value stops at whitespace, quotes and separators.
    regex: '(?i)(?:^|[^a-z0-9])(?:[a-z0-9_.-]*(?:password|passwd|passphrase|pwd))["\']?\\s*(?:=|:)\\s*["\']?([^\\s"\'`,;&<>]{8,128})',
    keywords: ['pass', 'pwd'],
    minEntropy: 2.8,
    allow: {
      // Templates, env references, masks and well-known non-secrets are not leaks.
      secrets: [
        '^\\$\\{?[A-Za-z_]',
        '^\\{\\{',
        '^%\\(',
        '^<.*>$',
        '^\\*+$',
        '^x+$',
        '(?i)^(?:changeme|password|redacted|placeholder|example|null|none|undefined|true|false)',
        '^\\[?(?:REDACTED|MASKED|FILTERED|HIDDEN)\\]?$'
      ]
    },
    examples: {
      positives: (g) => {
        const a = g.password()
        const b = g.password()
        const c = g.password()
        return [
          { line: `DB_PASSWORD=${a}`, secret: a },
          { line: `{"user":"app","password":"${b}"}`, secret: b },
          { line: `mysql -u root --password=${c} -h db`, secret: c }
        ]
      },
      negatives: [
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell/Helm reference, written out on purpose
        'password=${DB_PASSWORD}',
        'password: {{ .Values.password }}',
        'PASSWORD=********',
        'password=changeme123',
        'password_reset_url=/account/reset',
        'password: <your-password>',
        'the password is required'
      ]
    }
  }
]
