import type { Rule } from '../rule.ts'

export const rules: Rule[] = [
  {
    id: 'private-key',
    title: 'Private key (PEM)',
    severity: 'critical',
    kind: 'pattern',
    // The header alone proves nothing (docs and log messages mention it); the
    // engine takes the base64 body that follows as the secret, so two keys
    // are two incidents and a header without a body is no finding.
    regex: '-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY)-----',
    keywords: ['private key-----'],
    block: { end: '-----END ', minBodyChars: 64 },
    examples: {
      positives: (g) => {
        const body = g.pemBody(96)
        return [{ line: `{"key":"-----BEGIN RSA PRIVATE KEY-----\\n${body}\\n-----END RSA PRIVATE KEY-----"}`, secret: body }]
      },
      negatives: ['expected a PEM file starting with -----BEGIN PRIVATE KEY-----', '-----BEGIN CERTIFICATE-----']
    }
  }
]
