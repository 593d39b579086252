import type { Rule } from '../rule.ts'

// The header alone proves nothing (docs and log messages mention it); the
// engine takes the base64 body that follows as the secret — on the same line
// when the key was JSON-escaped into one, or on the following lines of the
// same stream — so two keys are two incidents and a header without a body is
// no finding.
export const rules: Rule[] = [
  {
    id: 'private-key',
    title: 'Private key (PEM: PKCS#1 RSA, PKCS#8, EC, DSA, OpenSSH, encrypted)',
    severity: 'critical',
    kind: 'pattern',
    regex: '-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED |SSH2 ENCRYPTED )?PRIVATE KEY)-----',
    keywords: ['private key-----'],
    block: { end: '-----END ', minBodyChars: 64 },
    examples: {
      positives: (g) => {
        const a = g.pemBody(96)
        const b = g.pemBody(120)
        return [
          { line: `{"key":"-----BEGIN RSA PRIVATE KEY-----\\n${a}\\n-----END RSA PRIVATE KEY-----"}`, secret: a },
          // Split over lines of one stream, as `cat id_ed25519` prints it into a pod log.
          {
            line: ['-----BEGIN OPENSSH PRIVATE KEY-----', b.slice(0, 70), b.slice(70), '-----END OPENSSH PRIVATE KEY-----'].join('\n'),
            secret: b
          }
        ]
      },
      negatives: [
        'expected a PEM file starting with -----BEGIN PRIVATE KEY-----',
        '-----BEGIN CERTIFICATE-----',
        '-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----',
        '-----BEGIN PUBLIC KEY-----'
      ]
    }
  },
  {
    id: 'pgp-private-key',
    title: 'PGP private key block',
    severity: 'critical',
    kind: 'pattern',
    regex: '-----BEGIN (PGP PRIVATE KEY BLOCK)-----',
    keywords: ['pgp private key block'],
    block: { end: '-----END PGP', minBodyChars: 64 },
    examples: {
      positives: (g) => {
        const body = g.pemBody(150)
        return [
          {
            line: ['-----BEGIN PGP PRIVATE KEY BLOCK-----', '', body.slice(0, 64), body.slice(64), '-----END PGP PRIVATE KEY BLOCK-----'].join('\n'),
            secret: body
          }
        ]
      },
      negatives: ['import your -----BEGIN PGP PRIVATE KEY BLOCK----- with gpg --import', '-----BEGIN PGP PUBLIC KEY BLOCK-----']
    }
  }
]
