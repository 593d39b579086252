import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { identifierLike } from '../words.ts'
import { assignedThen, QUOTE } from './patterns.ts'

// Access key ids are 20 characters: a 4-letter type prefix (AKIA long-term,
// ASIA temporary, and the rarer service prefixes) then 16 base32 characters.
const PREFIXES = ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'AGPA', 'AIDA', 'AIPA', 'ANPA', 'ANVA', 'AROA', 'APKA', 'ASCA']

// The secret access key has no prefix: 40 base64 characters that only mean
// something next to their name or right after their access key id.
const SECRET_NAMES = ['secret_access_key', 'secret-access-key', 'secretaccesskey', 'aws_secret_key', 'aws-secret-key', 'awssecretkey']
const SECRET_VALUE = '[A-Za-z0-9/+]{40}'
const SECRET_END = '(?:[^A-Za-z0-9/+=]|$)'

// STS session tokens are base64 of a binary structure whose first bytes never
// changed within a generation: "\x01\n\x03aws" (2011), "\x15\n\x06zer/aws"
// (2017, 2019) and "!\n\torigin_ec" (2019 onwards, regional endpoints).
const SESSION_PREFIXES = ['IQoJb3JpZ2luX2Vj', 'FwoGZXIvYXdz', 'FQoGZXIvYXdz', 'AQoDYXdz']
const SESSION_NAMES = ['aws_session_token', 'aws_security_token', 'x-amz-security-token', 'sessiontoken']

const base64 = ALPHABETS.base64
// Segments of lower-case words and numbers: what a path of 40 base64-alphabet characters looks like.
const PATH = /^(?:\/+[A-Za-z0-9][a-z0-9._+-]*)+\/*$/

export const rules: Rule[] = [
  {
    id: 'aws-access-key-id',
    title: 'AWS access key id',
    severity: 'high',
    kind: 'pattern',
    regex: `(?:^|[^A-Za-z0-9])((?:${PREFIXES.join('|')})[A-Z2-7]{16})(?:[^A-Za-z0-9]|$)`,
    keywords: PREFIXES.map((p) => p.toLowerCase()),
    // The prefixes are upper case in every key; the automaton also meets `Asia/Tokyo` and `akia` in base64.
    upperKeywords: true,
    // Only placeholders (AKIAAAAA…) score far below random ids, 1 in 10,000 of which is under 2.95.
    minEntropy: 2.4,
    // The AWS documentation's example keys end in EXAMPLE; people paste them into READMEs and tests, and
    // write their own around it (CredSweeper's samples: …EXAMPLE7). Random base32 holds it once in 3 billion.
    allow: { secrets: ['EXAMPLE'] },
    examples: {
      positives: (g) =>
        ['AKIA', 'ASIA'].map((p) => {
          const secret = p + g.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)
          return { line: `export AWS_ACCESS_KEY_ID=${secret}`, secret }
        }),
      negatives: [
        'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
        'must be filtered: AKIAQWERTYEXAMPLE2Z7',
        `AKIA${'A'.repeat(16)} is a placeholder`,
        'build id AKIA0000000000000000 is not base32',
        'the prefix AKIA alone is harmless'
      ]
    }
  },
  {
    id: 'aws-secret-access-key',
    title: 'AWS secret access key',
    severity: 'critical',
    kind: 'pattern',
    regex: `(?i:${SECRET_NAMES.join('|')})${QUOTE}(?:\\s*(?:=|:=|=>|:)\\s*|\\s+)${QUOTE}(${SECRET_VALUE})${SECRET_END}`,
    keywords: SECRET_NAMES,
    // Random 40-character base64 is over 4.06 in a million draws; the bar only stops runs and repeats.
    minEntropy: 3.8,
    // The documentation's example secret ends in EXAMPLEKEY.
    allow: { secrets: ['EXAMPLEKEY$'] },
    examples: {
      positives: (g) => {
        const a = g.chars(base64, 40)
        const b = g.chars(base64, 40)
        const c = g.chars(base64, 40)
        return [
          { line: `export AWS_SECRET_ACCESS_KEY=${a}`, secret: a },
          {
            line: `{"Credentials":{"AccessKeyId":"ASIA${g.chars(ALPHABETS.base32, 16)}","SecretAccessKey":"${b}","Expiration":"2025-01-01T00:00:00Z"}}`,
            secret: b
          },
          { line: `+ aws configure set aws_secret_access_key ${c} --profile ci`, secret: c }
        ]
      },
      negatives: [
        'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        'AWS_SECRET_ACCESS_KEY=<your-secret-access-key>',
        'AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}',
        `aws_secret_access_key: ${'x'.repeat(40)}`,
        'secret_access_key is not set, falling back to the instance profile'
      ]
    }
  },
  {
    id: 'aws-secret-access-key-pair',
    title: 'AWS secret access key next to its access key id',
    severity: 'critical',
    kind: 'pattern',
    // The credentials CSV and many tools print the id and the secret side by side.
    regex: `(?:^|[^A-Za-z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}[\\s,;:|'"=]{1,6}(${SECRET_VALUE})${SECRET_END}`,
    keywords: ['akia', 'asia'],
    minEntropy: 3.8,
    // A path or a name after the id is not a secret. Random base64 starts with '/' one time in 64 and
    // lacks a digit one time in 900, so neither may reject it: paths and names are made of words.
    validate: (s) => /[A-Z]/.test(s) && /[a-z]/.test(s) && !PATH.test(s) && (/[0-9]/.test(s) || !identifierLike(s)),
    allow: { secrets: ['EXAMPLEKEY$'] },
    examples: {
      positives: (g) => {
        const a = g.chars(base64, 40)
        const b = g.chars(base64, 40)
        return [
          { line: `ci-deployer,AKIA${g.chars(ALPHABETS.base32, 16)},${a}`, secret: a },
          { line: `credentials: ASIA${g.chars(ALPHABETS.base32, 16)} ${b}`, secret: b }
        ]
      },
      negatives: ['AKIAIOSFODNN7EXAMPLE,wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'User name,Access key ID,Secret access key']
    }
  },
  {
    id: 'aws-session-token',
    title: 'AWS STS session token',
    severity: 'high',
    kind: 'pattern',
    // A token cut by a percent sign is URL-encoded (X-Amz-Security-Token in presigned
    // URLs): not matched here, the engine's URL-decoded view of the line finds it whole.
    regex: `(?:^|[^A-Za-z0-9/+%])((?:${SESSION_PREFIXES.join('|')})[A-Za-z0-9/+]{100,}={0,2})(?:[^A-Za-z0-9/+%=]|$)`,
    keywords: SESSION_PREFIXES.map((p) => p.toLowerCase()),
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `IQoJb3JpZ2luX2Vj${g.chars(base64, 600)}`
        const b = `FwoGZXIvYXdz${g.chars(base64, 300)}==`
        const c = `IQoJb3JpZ2luX2VjE${g.chars(ALPHABETS.base62, 40)}////${g.chars(base64, 500)}=`
        return [
          { line: `export AWS_SESSION_TOKEN="${a}"`, secret: a },
          { line: `{"level":30,"msg":"assumed role","sessionToken":"${b}"}`, secret: b },
          { line: `[sts] AssumeRole ok: SessionToken=${c}`, secret: c }
        ]
      },
      negatives: [
        'session tokens start with IQoJb3JpZ2luX2Vj or FwoGZXIvYXdz',
        `X-Amz-Security-Token=IQoJb3JpZ2luX2Vj${'A'.repeat(150)}`,
        'aws_session_token = AQoDYXdzEXAMPLE'
      ]
    }
  },
  {
    id: 'aws-session-token-assignment',
    title: 'AWS session token assigned by name',
    severity: 'high',
    kind: 'pattern',
    // Dots and dashes: other STS implementations (MinIO, Ceph) hand out JWTs.
    regex: assignedThen(SESSION_NAMES.join('|'), '[A-Za-z0-9/+=._-]{100,}', '(?:[^A-Za-z0-9/+=._%-]|$)'),
    keywords: SESSION_NAMES,
    minEntropy: 4.0,
    // Tokens with a known STS prefix belong to aws-session-token; this rule covers the rest (other STS implementations, new generations).
    allow: { secrets: [`^(?:${SESSION_PREFIXES.join('|')})`] },
    examples: {
      positives: (g) => {
        // Not Sealed Secrets' ciphertext shape (`Ag[A-D]`, 300+ characters): an `encryptedData:` entry named
        // AWS_SESSION_TOKEN is that, and the gates rightly refuse it; no STS hands out tokens starting so.
        let a = g.chars(base64, 356)
        while (/^Ag[A-D]/.test(a)) a = g.chars(base64, 356)
        const b = g.chars(base64, 200)
        return [
          { line: `export AWS_SESSION_TOKEN=${a}`, secret: a },
          { line: `aws_session_token = ${b}`, secret: b }
        ]
      },
      negatives: ['AWS_SESSION_TOKEN=${AWS_SESSION_TOKEN}', `aws_session_token = ${'A'.repeat(120)}`, 'aws_session_token: <token from sts assume-role>']
    }
  },
  {
    id: 'aws-mws-key',
    title: 'Amazon Marketplace Web Service auth token',
    severity: 'high',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9.])(amzn\\.mws\\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:[^A-Za-z0-9-]|$)',
    keywords: ['amzn.mws.'],
    minEntropy: 3.0,
    examples: {
      positives: (g) => {
        const secret = `amzn.mws.${g.hex(8)}-${g.hex(4)}-${g.hex(4)}-${g.hex(4)}-${g.hex(12)}`
        return [{ line: `MWS_AUTH_TOKEN=${secret}`, secret }]
      },
      negatives: ['MWS_AUTH_TOKEN=amzn.mws.00000000-0000-0000-0000-000000000000', 'tokens look like amzn.mws.<uuid>']
    }
  },
  {
    id: 'aws-bedrock-api-key',
    title: 'Amazon Bedrock long-term API key',
    severity: 'high',
    kind: 'pattern',
    // ABSK then base64 of "BedrockAPIKey-…".
    regex: '(?:^|[^A-Za-z0-9+/])(ABSKQmVkcm9ja0FQSUtleS[A-Za-z0-9+/]{40,}={0,2})(?:[^A-Za-z0-9+/=]|$)',
    keywords: ['abskqmvkcm9ja0fqsutles'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const secret = `ABSKQmVkcm9ja0FQSUtleS${g.chars(base64, 110)}`
        return [{ line: `AWS_BEARER_TOKEN_BEDROCK=${secret}`, secret }]
      },
      negatives: ['keys start with ABSKQmVkcm9ja0FQSUtleS', `ABSKQmVkcm9ja0FQSUtleS${'A'.repeat(60)}`]
    }
  },
  {
    id: 'aws-bedrock-short-term-api-key',
    title: 'Amazon Bedrock short-term API key',
    severity: 'high',
    kind: 'pattern',
    // A presigned request for bedrock.amazonaws.com, base64-encoded after a fixed prefix.
    regex: '(?:^|[^A-Za-z0-9-])(bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/]{100,}={0,2})(?:[^A-Za-z0-9+/=]|$)',
    keywords: ['bedrock-api-key-'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const secret = `bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t${g.chars(base64, 900)}`
        return [{ line: `export AWS_BEARER_TOKEN_BEDROCK=${secret}`, secret }]
      },
      negatives: ['set AWS_BEARER_TOKEN_BEDROCK to a bedrock-api-key-… value', `bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t${'Lw'.repeat(60)}`]
    }
  }
]
