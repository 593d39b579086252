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
const CS_COUNTING =
  "a well-formed token whose random part merely starts or ends counting: a format rule reports it by design, as it does Kingfisher's examples written so"
const CS_SAME = 'the same credential as lines of this sample that CredSweeper reports'
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
  'noseyparker:np.generic.9': {
    '987cf7d73e72': `${SIBLING} (a TeamCity access token: np.teamcity.1's positive)`,
    ffcdf6be8066: `${SIBLING} (an ADO.NET connection string's User ID and Password=: np.odbc.1's format, which matches it)`
  },
  'noseyparker:np.generic.10': { c09fc3b4cbbf: `${SIBLING} (a password in an appSettings entry: np.generic.9's positive, the same text)` },
  // Nosey Parker's rule takes single-quoted, unescaped values only; the same Gitalk config double-quoted, or
  // inside a JavaScript string with escaped quotes, is its negative. Both hold a GitHub OAuth app's client secret.
  'noseyparker:np.gitalk.1': {
    '573760be4666': `${ASSIGNED} (clientSecret, 40 hex, double-quoted)`,
    '6f626067188b': `${ASSIGNED} (clientSecret, 40 hex, in a JavaScript string with escaped quotes)`
  },
  'noseyparker:np.hashicorp.2': { '824f730f9070': `${SIBLING} (a Vault batch token, hvb.: np.hashicorp.5's positive, the same text)` },
  'noseyparker:np.jwt.1': { '987cf7d73e72': `${SIBLING} (a TeamCity access token: np.teamcity.1's positive)` },
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
  'noseyparker:np.npm.1': {
    '0c0847ca13a0': `${SIBLING} (a legacy npm token, a UUID in NPM_TOKEN, as the rule file's own comment says; kingfisher.npm.2 holds it as a positive)`
  },
  'noseyparker:np.newrelic.2': { '219e084f7396': `${SIBLING} (a New Relic license key, 36 hex + NRAL)` },
  'noseyparker:np.slack.2': {
    '40a9fae351b4': `${SIBLING} (a Slack user token)`,
    c23f96f3c293: `${SIBLING} (a Slack bot token)`,
    '3c01f69aed4e': `${SIBLING} (a Slack bot token)`
  },
  // CredSweeper reports one line of a file and not the next that holds the same credential in the same
  // shape (its model's call per line); these lines hold one as plainly as the reported ones.
  'credsweeper:(no report) sql_password': Object.fromEntries(
    ['223db8d906bd', '50bfa362d71d', '8e3d26f3ad6e', '94cde29da476', 'd2573fe62cc2'].map((h) => [
      h,
      `${CS_SAME} (the file's SQL password in CREATE USER, ALTER USER … IDENTIFIED BY, SET PASSWORD and PASSWORD('…'), as on its reported lines)`
    ])
  ),
  'credsweeper:(no report) doc_id_passwd_pair': Object.fromEntries(
    [
      '48155c1dd002',
      '7fbc93b7193e',
      'ee522fa04ac5',
      '2dcc98c013a5',
      'aa979b9ed46a',
      'bedfe377c814',
      '2f36b0e55962',
      '2417c9cc631f',
      'f1f51a2b7f44',
      '3755f19159e4',
      'd87d0def0e71',
      'a91e339ec965'
    ].map((h) => [h, `${CS_SAME} (an ID/PW pair written together, ID/PW:master/<password>, as the file's reported ID:master PW:<password> lines)`])
  ),
  'credsweeper:(no report) doc_various': Object.fromEntries(
    ['dc56743ccded', '3bb0bbe76004', '152f32d2c974', '51a73bb32175', 'f598749eb1cf'].map((h) => [
      h,
      `${CS_SAME} (the file's password IhqSb1Gg after Password, PW or an ID/PW pair, or as a <password> element's text)`
    ])
  ),
  'credsweeper:(no report) doc_passwd_pair': Object.fromEntries(
    ['c5884be2da7d', 'f894e75f9137'].map((h) => [h, `${CS_SAME} (the file's password Prl23Db#@ after Password and --passwd, reported after pw: and pass:)`])
  ),
  'credsweeper:(no report) small.pdf': {
    '0803033bafaf': "an Azure AD client secret (Q~ format) in the PDF's text, which CredSweeper reads only with --depth"
  },
  // Encrypted private keys are credentials to gitleaks' and Nosey Parker's rules as to ours: the passphrase can be
  // attacked offline, and a key file leaked once is rotated. CredSweeper counts them negative.
  'credsweeper:(no report) LS0t_n': { '29fb37cf72a2': 'an encrypted RSA private key (Proc-Type: 4,ENCRYPTED), base64-encoded whole' },
  // Well-formed tokens whose random part its authors wrote counting (…76543210, sk-1234567…, …012345): CredSweeper
  // counts them negative, Kingfisher's rule files list tokens written so among their positives, and leakwatch's
  // format rules check a token's format, not whether a person made it up. One policy for both sources: a
  // well-formed token is a finding (--accuracy-as-published scores CredSweeper's own labels).
  'credsweeper:(no report) brevo': { '705fd2a65f71': CS_COUNTING },
  'credsweeper:(no report) databricks': { '3aef1036e683': CS_COUNTING },
  'credsweeper:(no report) groq_api_key': { a11c482b01ef: CS_COUNTING },
  'credsweeper:(no report) linear_api_key': { '7cd2f6a26d74': CS_COUNTING },
  'credsweeper:(no report) open_ai_token': { bfe8185e21ef: CS_COUNTING },
  'credsweeper:(no report) perplexity': { bfdcc9dba1b3: CS_COUNTING },
  'credsweeper:(no report) rubygems': { '1eac68848431': CS_COUNTING },
  'credsweeper:(no report) sonarqube': { ce751c86e081: CS_COUNTING },
  'credsweeper:(no report) supabase': { '02c6053167f2': CS_COUNTING, f1e411df33d4: CS_COUNTING },
  'credsweeper:(no report) tvly': { '79d185bc468a': CS_COUNTING },
  'credsweeper:(no report) test.eml': {
    '2dea691f507e': "a password (PW: …) in the base64 body of the email, which CredSweeper's default scan does not decode"
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
const CS_PUBLIC = "the source's rule finds an identifier or a public value, not a credential"
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
  // gitleaks' rule names say what they find; an OAuth client id is public in every authorize URL.
  'gitleaks:discord-client-id':
    "the rule's name says it finds an OAuth client id (discord-client-id, a Discord application id): public, it grants nothing alone",
  'gitleaks:linkedin-client-id':
    "the rule's name says it finds an OAuth client id (linkedin-client-id): public in every authorize URL, it grants nothing alone",
  ...KINGFISHER_NOT_CREDENTIALS,
  // CredSweeper's rules of severity `info` or `low` that find a value which grants nothing alone.
  'credsweeper:UUID': `${CS_PUBLIC}: any UUID (severity info)`,
  'credsweeper:AWS S3 Bucket': `${CS_PUBLIC}: a bucket's address (severity info)`,
  'credsweeper:Firebase Domain': `${CS_PUBLIC}: a Firebase project's domain (severity info)`,
  'credsweeper:Salt': `${CS_PUBLIC}: a salt (severity low), stored next to its hash by design`,
  'credsweeper:Nonce': `${CS_PUBLIC}: a nonce (severity low), a single-use public value`,
  'credsweeper:Tencent WeChat API App ID': `${CS_PUBLIC}: a WeChat AppID (wx and 16 hex), in every mini-program's URL; the AppSecret is the credential`
}

// Positive examples that hold no credential, each by the SHA-256 of its text (never the text), with why.
// Nosey Parker's examples are drawn from public code and documentation, and some hold a placeholder
// where the secret would be, a variable that names where it is kept, the format's own documentation
// example (an RFC's, a manual's), or a token its authors altered (their examples are defanged: a
// checksum, a base64 JSON claim or a fixed character no longer holds). A scanner that alerts and
// rotates is right to stay silent on these, so they count as negatives. Only these; a weak password a
// person picked (`Rrhh1234`, `whiteduke`) stays positive even where we miss it.
const PLACEHOLDER = "a placeholder in the secret's place"
const VARIABLE = 'a variable or template reference, not a literal secret'
const DOC_EXAMPLE = "the format's own documentation example"
const ALTERED = 'an altered token that fails the format'
const NO_SECRET = 'no secret in the text at all'
export const NOT_CREDENTIAL_EXAMPLES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'noseyparker:np.aws.1': { '24f214eb88bd': `${PLACEHOLDER} (an access key id whose random part is ABCDEFGHIJKLMNOP)` },
  'noseyparker:np.aws.2': { '4c98d2d258b2': `${PLACEHOLDER} (40 a's)`, f3bfe97bc676: `${PLACEHOLDER} (40 a's)` },
  'noseyparker:np.aws.6': {
    '1f40b12d05de': `${PLACEHOLDER} (key id ...ABCDEFGHIJKLMNOP; the 40-character value is all lower-case hex, a SHA-1's shape, not base64)`
  },
  'noseyparker:np.azure.1': { '36b3c7d8445a': `${ALTERED} (an AccountKey of 73 base64 characters and ==, where a storage account key is 64 bytes: 86 and ==)` },
  'noseyparker:np.pem.2': { '2798b61195d2': `${ALTERED} (the base64 decodes to an RSA key whose body holds a non-base64 byte, 0x9a)` },
  'noseyparker:np.atlassian.1': { '5e873b2cb02f': `${ALTERED} (its CRC32 suffix does not match the token)` },
  // CredSweeper's samples that break the format they stand for (each checked against the format its rule, gitleaks'
  // or the provider states), and values public by design that its rules report.
  'credsweeper:Anthropic API Key': { '814893a99c0f': `${ALTERED} (94 characters after sk-ant-api03-, not ending AA: issued keys are 93 and AA)` },
  'credsweeper:AWS Client ID': {
    ef96baa1eb29: `${ALTERED} (an access key id holding a 1, outside the base32 alphabet AWS ids are written in)`,
    '3c3293dbfb30': `${ALTERED} (an access key id holding a 1, outside the base32 alphabet AWS ids are written in)`,
    '4b9b63fdc1cd': `${ALTERED} (an access key id holding a 1, outside the base32 alphabet AWS ids are written in)`
  },
  'credsweeper:AWS MWS Key': { d8b4517f2fa1: `${ALTERED} (amzn.mws. then a UUID holding g, h, q, v, x, z: not hex)` },
  'credsweeper:Notion Integration Token': { '61cd6f013e51': `${ALTERED} (ntn_ then nine digits: issued tokens have eleven)` },
  'credsweeper:MailChimp API Key': { '9b358d6b8e53': `${ALTERED} (a key of 32 hex then -usNN, here of mixed-case letters)` },
  'credsweeper:SendGrid API Key': { b6e48616c269: `${ALTERED} (SG. then 18 and 18 characters: issued keys are 22 and 43)` },
  'credsweeper:1Password Account Token': { a3e40d42d546: `${ALTERED} (ops_ then base64 that decodes to no JSON document)` },
  'credsweeper:Stripe Credentials': {
    '2213fc51def0': 'a publishable key (pk_), public by design: Stripe puts it in client code',
    e4b42a1b2fd7: 'a publishable key (pk_), public by design: Stripe puts it in client code'
  },
  'credsweeper:PostHog Credentials': { '9e0938863fe4': 'a project API key (phc_), public by design: it is in the browser snippet' },
  'credsweeper:Google Multi': { '5820acb86b6c': 'an OAuth client ID, public: it is in every sign-in URL; the client secret is the credential' },
  'credsweeper:Twilio Credentials': { '40f36c54d270': 'an Account SID (AC), an identifier in every API URL; the auth token is the credential' },
  'credsweeper:NewRelic Credentials': { '4d3124c939e2': 'a browser key (NRBR-), public: it is in every monitored page' },
  'credsweeper:Docker Swarm Token': {
    '79c920cb5364': `${ALTERED} (a join token whose digest part, read as the base-36 number swarmkit writes, is past 2^256: no SHA-256 is)`
  },
  'noseyparker:np.age.2': { '2dd03ed18451': `${ALTERED} (an age secret key whose bech32 checksum does not match its data: age would not read it)` },
  'noseyparker:np.bitbucket.1': { b7c81eb3f52c: `${ALTERED} (its CRC32 suffix does not match the token)` },
  'noseyparker:np.npm.1': { '7a9e8bf50a5d': `${ALTERED} (its CRC32 suffix does not match the token)` },
  'noseyparker:np.grafana.1': { c85843a7202e: `${ALTERED} (the base64 JSON claim reads \`"id";1\`: it does not parse)` },
  'noseyparker:np.grafana.2': { '8b59d90d8cc9': `${ALTERED} (the base64 JSON claim holds a non-UTF-8 byte and ends \`1|\`)` },
  'noseyparker:np.grafana.3': {
    '357f9925837b': `${ALTERED} (its CRC32 suffix does not match the token)`,
    a97b2a65e3ea: `${ALTERED} (its CRC32 suffix does not match the token)`
  },
  'noseyparker:np.jwt.1': { '3bec2b928bd6': `${ALTERED} (the header decodes to \`"HS256",\\x12typ"\`: not JSON; a Supabase anon key, public anyway)` },
  'noseyparker:np.nuget.1': { ca82ee048c37: `${ALTERED} (a '9' where the format's 21st character is 'a' or 'q')` },
  'noseyparker:np.mapbox.1': {
    '89a2ec241e3f': 'a public token by design (Mapbox pk. tokens are read-only and shipped to browsers; the rule has no `secret` category)'
  },
  'noseyparker:np.twitter.1': { '26e60b8f3011': "an identifier (TWITTER_ID; the rule's category is `identifier`, its other example holds the secret)" },
  'noseyparker:np.linkedin.1': { '70baf4df7e54': `${NO_SECRET} (a table header: Email ID, Last 5 Digits of your SSN, LinkedIn ID)` },
  'noseyparker:np.generic.3': { aa814570045a: `${DOC_EXAMPLE} (RFC 7617's Aladdin / open sesame)` },
  'noseyparker:np.generic.4': {
    '481e64b8075f': `${DOC_EXAMPLE} (RFC 7617's Aladdin / open sesame)`,
    cf73cefe3c4a: `${DOC_EXAMPLE} (RFC 7617's Aladdin / open sesame)`,
    e1dddff02574: 'a masked value (######)',
    bb0ac5bee9e7: `${PLACEHOLDER} (thisismypassword)`,
    '5c27afad75c5': `${PLACEHOLDER} (mypassword)`
  },
  'noseyparker:np.generic.5': {
    bc67372e2642: `${VARIABLE} (a concatenation of appKey and appSecret)`,
    '1696d85aa54c': `${PLACEHOLDER} (thisismypassword)`,
    '9a0f2787485d': `${PLACEHOLDER} (thisismypassword)`,
    '7061355fe2f2': `${PLACEHOLDER} (YOURPASSWROD)`
  },
  'noseyparker:np.generic.6': { '7668025edf9b': `${PLACEHOLDER} (thisismypassword)` },
  'noseyparker:np.generic.8': { ab44d73c49db: `${PLACEHOLDER} ("secret" for domain\\user)` },
  'noseyparker:np.gradle.1': {
    cfb68c659a33: `${PLACEHOLDER} (user / password)`,
    '73385ce96b60': `${PLACEHOLDER} (SOME_USERNAME / SOME_PASSWORD)`,
    '8bf6888d108e': `${PLACEHOLDER} (user / password)`,
    '4e883a40fea4': `${PLACEHOLDER} (user / password)`
  },
  'noseyparker:np.google.3': { '12d23b0786cd': `${PLACEHOLDER} (a's)` },
  'noseyparker:np.http.2': { '315dd81a9c51': `${DOC_EXAMPLE} (RFC 6750's bearer token mF_9.B5f-4.1JqM)` },
  'noseyparker:np.kubernetes.1': { '9201e5f68c07': `${DOC_EXAMPLE} (kubeadm's abcdef.1234567890abcdef)` },
  'noseyparker:np.newrelic.1': { '1962531faa4c': `${PLACEHOLDER} (a's then NRAL)` },
  'noseyparker:np.okta.1': { a7b9bcb1ea81: `${PLACEHOLDER} (00 then a's)`, '2cb095a1da7a': `${PLACEHOLDER} (00-, a's and dashes)` },
  'noseyparker:np.odbc.1': {
    '181c98dea58c': `${VARIABLE} (Ruby interpolation #{datastore['DBPASSWORD']})`,
    f808f4ce7a0d: `${DOC_EXAMPLE} (Npgsql's Password=secret)`,
    '9a8b522fc68d': `${DOC_EXAMPLE} (Npgsql's Password=secret)`,
    '9b5592fa4444': `${PLACEHOLDER} (myPassword, as connection-string references write it)`,
    '82b5f7f2edae': `${PLACEHOLDER} (myPassword, as connection-string references write it)`,
    '63f0f5438a52': `${PLACEHOLDER} (myPassword, as connection-string references write it)`
  },
  'noseyparker:np.phpmailer.1': { '97cd40122b56': `${DOC_EXAMPLE} (PHPMailer's README, Password = 'secret')` },
  'noseyparker:np.postgres.1': Object.fromEntries(
    ['550f250e6031', '33da8cdd7e55', 'ca5659171ed8', '07f03b9dc96e', '79ad6e7b015a', '5c335dc36c47', '14d9d12f560b', 'ae1ce25fea49'].map((h) => [
      h,
      `${DOC_EXAMPLE} (the PostgreSQL manual's connection URIs, user:secret@localhost)`
    ])
  ),
  'noseyparker:np.psexec.1': {
    f34fb3672692: `${VARIABLE} (-p $Password)`,
    d0a146223525: `${VARIABLE} (-p %nothing%)`,
    be3dd8bd43ef: `${PLACEHOLDER} (-p PASSWORD)`
  },
  'noseyparker:np.reactapp.2': { '036c57d37d24': `${PLACEHOLDER} (smtp_password, with "Enter your SMTP email password")` },
  'noseyparker:np.slack.2': { '1a6c4a34e2ce': `${PLACEHOLDER} (zeros and x's)` },
  'noseyparker:np.tavily.1': { c7e55992f62a: `${PLACEHOLDER} (x's)` },
  'noseyparker:np.vmware.1': { c6f4abfb2f80: `${VARIABLE} (-Password "$password")`, '5eb05c8a225d': `${VARIABLE} (-password $ESXipass)` },
  // gitleaks' literal examples (its regex-drawn ones change with the seed and are not listed).
  'gitleaks:age-secret-key': Object.fromEntries(
    ['987e536dac69', '2cbd8e622222'].map((h) => [h, `${PLACEHOLDER} (AGE-SECRET-KEY-1 then 58 Q's: bech32's zero digit, an all-zero key whose checksum fails)`])
  ),
  'gitleaks:heroku-api-key': { af245954f104: `${PLACEHOLDER} (12345678-ABCD-ABCD-ABCD-1234567890AB)` },
  'gitleaks:messagebird-client-id': { b62ea1ce641d: `${PLACEHOLDER} (12345678-ABCD-ABCD-ABCD-1234567890AB)` },
  'gitleaks:aws-amazon-bedrock-api-key-long-lived': { '51d6e90bb88e': `${PLACEHOLDER} (ABSK, base64 of "BedrockAPIKey-", then EXAMPLE repeated)` },
  'gitleaks:aws-amazon-bedrock-api-key-short-lived': Object.fromEntries(
    ['7cbfa4c8c3d7', '952eefa17077'].map((h) => [
      h,
      `${ALTERED} (bedrock-api-key- then base64 of "bedrock.amazonaws.com" alone: a short-term key is base64 of a whole presigned URL, signature included; this holds none)`
    ])
  ),
  'gitleaks:gcp-service-account': { f8c792f8e908: `${NO_SECRET} (a key file's "type": "service_account" line, without the key)` },
  'gitleaks:grafana-cloud-api-token': {
    '9a2e7bcbaf43': `${ALTERED} (the base64 JSON claim reads \`"n";"staik…\` and holds non-ASCII bytes: it does not parse)`
  },
  'gitleaks:grafana-service-account-token': { '112fcef619c2': `${ALTERED} (its CRC32 suffix does not match the token)` },
  'gitleaks:jwt': {
    '0902dfd07007': `${ALTERED} (the header decodes to \`{"alg":'z","typ":"JWT"}\`: not JSON)`,
    '898fe98c2bc6': `${ALTERED} (the header decodes to \`{"alg":'z","typ":"JWT"}\`: not JSON)`,
    '2d9c6606212a': 'an unsigned JWT (alg "none", empty signature): anyone can write one, it proves nothing and holds no secret',
    '0acb883c40f8': 'an unsigned JWT (alg "none", empty signature): anyone can write one, it proves nothing and holds no secret'
  },
  // Kingfisher's, with their reasons, in labels-kingfisher.ts.
  ...KINGFISHER_PLACEHOLDERS
}

// gitleaks rules whose test draws its positives from the rule's regex (secrets.NewSecret), for formats
// whose issued tokens that regex does not describe: a checksum, an encoded claim or a fixed layout the
// drawn value cannot have. Such a drawn value is no token the provider issues, so it counts as a
// negative; by rule, as the drawn values change with the seed. Literal examples of these rules count as written.
const DRAWN = "a value drawn from gitleaks' regex, which the issued format does not admit"
export const DRAWN_NOT_ISSUED: Readonly<Record<string, string>> = {
  'gitleaks:gitlab-pat-routable': `${DRAWN}: a routable GitLab token ends in the CRC-32 of the rest`,
  'gitleaks:gitlab-runner-authentication-token-routable': `${DRAWN}: a routable GitLab token ends in the CRC-32 of the rest`,
  'gitleaks:grafana-service-account-token': `${DRAWN}: glsa_ tokens end in the CRC32 of glsa_ and the random part`,
  'gitleaks:grafana-cloud-api-token': `${DRAWN}: glc_ tokens are base64 of a JSON claim ({"o":…,"n":…,"k":…}); letters and digits drawn at random decode to none`,
  'gitleaks:npm-access-token': `${DRAWN}: npm_ tokens end in a base62 CRC-32 of the 30 random characters`,
  'gitleaks:github-fine-grained-pat': `${DRAWN}: github_pat_ is followed by 22 letters and digits, '_', then 59; the regex draws 82 word characters`,
  'gitleaks:new-relic-user-api-key': `${DRAWN}: NRAK- is followed by 27 upper-case letters and digits; the case-insensitive regex draws lower case`,
  'gitleaks:sendgrid-api-token': `${DRAWN}: SG. is followed by a 22-character key id, '.', and a 43-character secret; the regex draws 66 characters with '.' anywhere`,
  'gitleaks:microsoft-teams-webhook': `${DRAWN}: the group, tenant and connector ids of an incoming webhook's URL are GUIDs and its id is 32 hex digits (Nosey Parker's and Kingfisher's rules and examples read them as hex); the regex draws them from a-z and 0-9`,
  'gitleaks:discord-client-secret': `${DRAWN}: a Discord client secret is 32 random letters, digits, '-' and '_', all digits about once in 10^25; the test draws 32 digits, the shape of a number or an id`
}

/**
 * The examples with the relabelled negatives turned positive (`relabelled` counts them), the positives
 * of rules that report no credential turned negative (`notCredentials` counts them), and the listed
 * positives that hold no credential turned negative (`placeholders` counts them).
 */
export function relabel(
  examples: readonly Example[],
  table = RELABELLED,
  identifiers = NOT_CREDENTIALS,
  notCredentialExamples = NOT_CREDENTIAL_EXAMPLES,
  drawnNotIssued = DRAWN_NOT_ISSUED
): { examples: Example[]; relabelled: number; notCredentials: number; placeholders: number } {
  let relabelled = 0
  let notCredentials = 0
  let placeholders = 0
  const out = examples.map((e) => {
    const key = `${e.source}:${e.rule}`
    const sha = (): string => createHash('sha256').update(e.text).digest('hex').slice(0, 12)
    if (e.positive) {
      if (identifiers[key] !== undefined) {
        notCredentials++
        return { ...e, positive: false }
      }
      if (notCredentialExamples[key]?.[sha()] === undefined && !(e.drawn === true && drawnNotIssued[key] !== undefined)) return e
      placeholders++
      return { ...e, positive: false }
    }
    const why = table[key]?.[sha()]
    if (why === undefined) return e
    relabelled++
    return { ...e, positive: true }
  })
  return { examples: out, relabelled, notCredentials, placeholders }
}
