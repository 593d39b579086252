import { tokenRule, UUID } from './define.ts'
import { START_ALNUM } from './patterns.ts'

// Postmark server and account tokens are UUIDs: a request id's shape, so they are taken only next to the
// provider's name. Names with a credential word (POSTMARK_SERVER_TOKEN) are saas-named.ts's.
export const rules = [
  tokenRule({
    id: 'postmark-server-token',
    title: 'Postmark server or account token',
    severity: 'high',
    // The bare provider name, as mailer configurations write it (`postmark: "…"`, Nosey Parker's np.postmark.1,
    // Apache-2.0), then the assignment: `postmark_message_id: <uuid>` is a message's id, not a token.
    token: UUID,
    regex: (t) => `${START_ALNUM}(?i:postmark)["']?[ \\t]*(?:=|:)[ \\t]*["']?(${t})(?:[^A-Za-z0-9_-]|$)`,
    keywords: ['postmark'],
    minEntropy: 2.5,
    lines: [(s) => `  postmark: "${s}",`, (s) => `{"mailer":{"postmark":"${s}"}}`],
    negatives: [
      'postmark: "00000000-0000-0000-0000-000000000000",',
      'postmark_message_id: 0123abcd-4567-89ef-0123-456789abcdef',
      'postmark: sent message 0123abcd-4567-89ef-0123-456789abcdef to 3 recipients'
    ]
  })
]
