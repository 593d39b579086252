// Negative examples that hold a credential after all. Nosey Parker's and
// gitleaks' negative examples are negatives *for one rule* — "not this
// format" — and some of them are a credential of a sibling format (a Slack
// bot token under the legacy-bot rule, an Anthropic admin key under the API-key
// rule) or a random value assigned to a secret's name, which a generic
// assignment rule reports by design. Counting those as false positives would
// punish the detection of real credentials, so each is relabelled here, by the
// SHA-256 of its text (never the text: it is a token literal), with why.
// Only these; every other negative counts as written, including those we
// disagree with but cannot call a credential (documentation examples).

import { createHash } from 'node:crypto'
import { KINGFISHER_NOT_CREDENTIALS, KINGFISHER_PLACEHOLDERS } from './labels-kingfisher.ts'
import type { Example } from './sources.ts'

const SIBLING = 'a credential of a sibling format; negative only for this rule'
const ASSIGNED = "a random value assigned to a secret's name: a generic assignment rule reports it by design"

/** `source:rule` → the first 12 hex digits of SHA-256(example text) → why it is a credential. */
export const RELABELLED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'gitleaks:anthropic-api-key': { '379cb9fdc9ef': `${SIBLING} (an Anthropic admin key)` },
  'gitleaks:anthropic-admin-api-key': { '4346ba48a5f0': `${SIBLING} (an Anthropic API key)` },
  'gitleaks:curl-auth-header': { b9837ff3cbe6: `${SIBLING} (a signed JWT after the header)` },
  'gitleaks:mailchimp-api-key': { '94d36be7b191': `${SIBLING} (a Mailchimp key in its own format, 32 hex + -usNN)` },
  'gitleaks:cisco-meraki-api-key': { df6785d57611: ASSIGNED, a9f1472bd1b2: ASSIGNED },
  'noseyparker:np.auth0.1': { '9dba2fabd278': `${ASSIGNED} (AUTH0_CLIENT_SECRET)` },
  'noseyparker:np.aws.2': { fe92548249ae: `${ASSIGNED} (AWS_SECRET_ACCESS_KEY, not 40 characters)` },
  'noseyparker:np.generic.1': { '7dfc4a930379': `${SIBLING} (an Azure AD client secret, Q~ format)` },
  // Nosey Parker's rule takes double-quoted values only; the same password unquoted or single-quoted is its negative.
  'noseyparker:np.generic.5': {
    '942e454b565a': `${ASSIGNED} (the rule's positive "super$ecret", unquoted)`,
    dfddc3198bf7: `${ASSIGNED} (the rule's positive "super$ecret", single-quoted)`
  },
  'noseyparker:np.hashicorp.1': { c97e6b719270: `${SIBLING} (a Vault service token, hvs.: np.hashicorp.4's positive)` },
  'noseyparker:np.hashicorp.3': { '166c209b965b': `${SIBLING} (a Vault recovery token, hvr.: np.hashicorp.6's positive)` },
  'noseyparker:np.hashicorp.4': { '8f0307e4997d': `${ASSIGNED} (VAULT_CLIENT_TOKEN)` },
  'noseyparker:np.hashicorp.5': { '342ed7cf1c73': `${ASSIGNED} (VAULT_CLIENT_TOKEN)` },
  'noseyparker:np.hashicorp.6': { b3d1c2f81344: `${ASSIGNED} (VAULT_CLIENT_TOKEN)` },
  'noseyparker:np.newrelic.2': { '219e084f7396': `${SIBLING} (a New Relic license key, 36 hex + NRAL)` },
  'noseyparker:np.slack.2': {
    '40a9fae351b4': `${SIBLING} (a Slack user token)`,
    c23f96f3c293: `${SIBLING} (a Slack bot token)`,
    '3c01f69aed4e': `${SIBLING} (a Slack bot token)`
  },
  'noseyparker:np.slack.4': {
    c23f96f3c293: `${SIBLING} (a Slack bot token)`,
    f8824761f337: `${SIBLING} (a Slack bot token)`,
    '3c01f69aed4e': `${SIBLING} (a Slack bot token)`
  },
  'noseyparker:np.slack.6': {
    f8824761f337: `${SIBLING} (a Slack bot token)`,
    '40a9fae351b4': `${SIBLING} (a Slack user token)`,
    '02f52ae2f3e5': `${SIBLING} (a Slack user token)`,
    d252ddf9141f: `${SIBLING} (a Slack user token)`
  }
}

// Rules of a source that report identifiers, not credentials, by the source's own account: Nosey
// Parker files each of these under the category `identifier` and not `secret` (its rule's
// `categories`). They find a resource's address or a public id — an ARN, a bucket, an account id, an
// OAuth client id, a shop's domain, a username, an age recipient (a public key) — which grants
// nothing, so a credential scanner that alerts and rotates must not report them. Their positives are
// counted as negatives. Rules of that category whose examples also hold a secret (np.aws.1, access key
// ids next to their secret keys; np.github.5 and np.linkedin.1, client ids next to the client secret) are not listed.
const IDENTIFIER = "the source's own category for this rule is `identifier`, not `secret`"
export const NOT_CREDENTIALS: Readonly<Record<string, string>> = {
  'noseyparker:np.arn.1': `${IDENTIFIER}: an Amazon Resource Name`,
  'noseyparker:np.aws.3': `${IDENTIFIER}: an AWS account id`,
  'noseyparker:np.s3.1': `${IDENTIFIER}: an S3 bucket's host name`,
  'noseyparker:np.s3.2': `${IDENTIFIER}: an S3 bucket's path`,
  'noseyparker:np.gcs.1': `${IDENTIFIER}: a Cloud Storage bucket's host name`,
  'noseyparker:np.gcs.2': `${IDENTIFIER}: a Cloud Storage bucket's URL`,
  'noseyparker:np.google.1': `${IDENTIFIER}: a Google OAuth client id (public: it is in every consent URL)`,
  'noseyparker:np.shopify.1': `${IDENTIFIER}: a shop's myshopify.com domain`,
  'noseyparker:np.reactapp.1': `${IDENTIFIER}: a username in a React app's environment`,
  'noseyparker:np.age.1': `${IDENTIFIER}: an age recipient, which is a public key`,
  ...KINGFISHER_NOT_CREDENTIALS
}

// Positive examples that hold a placeholder, not a credential, by the hash of their text, with why
// (labels-kingfisher.ts). Counted as negatives, with the identifier rules' positives.
export const PLACEHOLDER_POSITIVES: Readonly<Record<string, Readonly<Record<string, string>>>> = { ...KINGFISHER_PLACEHOLDERS }

/**
 * The examples with the relabelled negatives turned positive (`relabelled` counts them) and the
 * positives of rules that report no credential, or that hold a placeholder, turned negative
 * (`notCredentials` counts them).
 */
export function relabel(
  examples: readonly Example[],
  table = RELABELLED,
  identifiers = NOT_CREDENTIALS,
  placeholders = PLACEHOLDER_POSITIVES
): { examples: Example[]; relabelled: number; notCredentials: number } {
  let relabelled = 0
  let notCredentials = 0
  const hash = (e: Example): string => createHash('sha256').update(e.text).digest('hex').slice(0, 12)
  const out = examples.map((e) => {
    if (e.positive) {
      const key = `${e.source}:${e.rule}`
      if (identifiers[key] === undefined && placeholders[key]?.[hash(e)] === undefined) return e
      notCredentials++
      return { ...e, positive: false }
    }
    const why = table[`${e.source}:${e.rule}`]?.[hash(e)]
    if (why === undefined) return e
    relabelled++
    return { ...e, positive: true }
  })
  return { examples: out, relabelled, notCredentials }
}
