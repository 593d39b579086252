// Kingfisher's rules that report identifiers, not credentials, by Kingfisher's own account: each is
// `visible: false` in its rule file (data/rules/*.yml at the commit in PROVENANCE.md), a match that
// Kingfisher does not report on its own but feeds, as a variable, to the validation of a secret rule
// that `depends_on_rule` it — an OAuth client id, a tenant's domain, an account name, a username.
// They grant nothing alone, so a scanner that alerts and rotates must not report them; their positives
// count as negatives (labels.ts, NOT_CREDENTIALS). Three invisible rules stay positives:
// kingfisher.aws.1 (an access key id, reported with the secret key it pairs with, as np.aws.1 is),
// kingfisher.trello.2 (named a token) and kingfisher.facebook.1 (one of its examples holds the app
// secret next to the app id, as np.linkedin.1's do). A few visible rules whose name says they find a
// public identifier are listed too, with why; twitter.1 and linkedin.1 are not (their examples hold
// the secret too).

const INVISIBLE = "Kingfisher marks this rule `visible: false` (an input to another rule's validation, not reported)"

export const KINGFISHER_NOT_CREDENTIALS: Readonly<Record<string, string>> = {
  'kingfisher:kingfisher.adobe.2': `${INVISIBLE}: an Adobe IO product id`,
  'kingfisher:kingfisher.algolia.2': `${INVISIBLE}: an Algolia application id`,
  'kingfisher:kingfisher.anypoint.2': `${INVISIBLE}: an Anypoint organization id`,
  'kingfisher:kingfisher.artifactory.2': `${INVISIBLE}: a JFrog host name`,
  'kingfisher:kingfisher.auth0.1': `${INVISIBLE}: an Auth0 client id`,
  'kingfisher:kingfisher.auth0.3': `${INVISIBLE}: an Auth0 tenant domain`,
  'kingfisher:kingfisher.azure.devops.2': `${INVISIBLE}: an Azure DevOps organization name`,
  'kingfisher:kingfisher.azureopenai.host.1': `${INVISIBLE}: an Azure OpenAI host name`,
  'kingfisher:kingfisher.azurestorage.name.1': `${INVISIBLE}: a storage account name`,
  'kingfisher:kingfisher.confluent.1': `${INVISIBLE}: a Confluent client id`,
  'kingfisher:kingfisher.databricks.3': `${INVISIBLE}: a Databricks workspace domain`,
  'kingfisher:kingfisher.discord.3': `${INVISIBLE}: a Discord bot id`,
  'kingfisher:kingfisher.eagleeyenetworks.2': `${INVISIBLE}: an e-mail address`,
  'kingfisher:kingfisher.google.1': `${INVISIBLE}: a Google OAuth client id`,
  'kingfisher:kingfisher.jira.1': `${INVISIBLE}: a Jira site domain`,
  'kingfisher:kingfisher.mongodb.2': `${INVISIBLE}: a MongoDB Atlas public key (the id half of the pair)`,
  'kingfisher:kingfisher.okta.2': `${INVISIBLE}: an Okta org domain`,
  'kingfisher:kingfisher.paypal.1': `${INVISIBLE}: a PayPal OAuth client id`,
  'kingfisher:kingfisher.planetscale.2': `${INVISIBLE}: a PlanetScale username`,
  'kingfisher:kingfisher.salesforce.2': `${INVISIBLE}: a Salesforce instance URL`,
  'kingfisher:kingfisher.shopify.2': `${INVISIBLE}: a shop's myshopify.com domain`,
  'kingfisher:kingfisher.snowflake.1': `${INVISIBLE}: a Snowflake account identifier`,
  'kingfisher:kingfisher.snowflake.2': `${INVISIBLE}: a Snowflake username`,
  'kingfisher:kingfisher.sonarqube.2': `${INVISIBLE}: a SonarQube host URL`,
  'kingfisher:kingfisher.spotify.2': `${INVISIBLE}: a Spotify client id`,
  // Visible, but named for an identifier; the same rules in Nosey Parker are category `identifier`.
  'kingfisher:kingfisher.age.1': 'rule named "Age Recipient (X25519 public key)": a public key (np.age.1 is an identifier)',
  'kingfisher:kingfisher.reactapp.1': 'rule named "React App Username": a username (np.reactapp.1 is an identifier)',
  'kingfisher:kingfisher.azuresearch.url.1': 'rule named "Azure Search URL": a service URL, an input of kingfisher.azuresearch.key.1',
  'kingfisher:kingfisher.bitbucket.1': 'rule named "Bitbucket Client ID": an OAuth client id, public in every authorize URL'
}

// Positive examples whose value is a placeholder, a template or a variable, not a credential: what
// documentation and boilerplate write where the secret goes. Every rule of ours refuses these on
// purpose (detectors/gates.ts: placeholders, templates, masks, runs of one character), and so would
// an operator. Then tokens altered so that they fail the provider's format (a checksum, a fixed
// marker, a length), which a format rule refuses as it should. By the SHA-256 of the text (first 12
// hex digits), with the value that makes it one.
const WORD = 'the password is a documentation placeholder'
const VARIABLE = 'the password is a variable, substituted at run time'
const ALTERED = 'an altered token that fails the format'
const PLACEHOLDER_TOKEN = "a placeholder in the token's place"
const DOC_TOKEN = 'a documentation example, not an issued token'

/** `source:rule` → first 12 hex digits of SHA-256(example text) → why it holds no credential. */
export const KINGFISHER_PLACEHOLDERS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'kingfisher:kingfisher.odbc.1': {
    f808f4ce7a0d: `${WORD} (Password=secret)`,
    '9a8b522fc68d': `${WORD} (Password=secret)`,
    '9b5592fa4444': `${WORD} (Password=myPassword)`,
    '82b5f7f2edae': `${WORD} (Password=myPassword)`,
    '63f0f5438a52': `${WORD} (Pwd=myPassword)`,
    '181c98dea58c': `${VARIABLE} (a Ruby interpolation, #{datastore['DBPASSWORD']})`
  },
  'kingfisher:kingfisher.gradle.1': {
    cfb68c659a33: `${WORD} ('password')`,
    '8bf6888d108e': `${WORD} ('password')`,
    '4e883a40fea4': `${WORD} ("password")`,
    '73385ce96b60': `${WORD} ("SOME_PASSWORD", under "// your password here")`
  },
  'kingfisher:kingfisher.ftp.1': { b20c3f7f263d: `${WORD} (username:password@)`, '48c494b16ed5': `${WORD} (user:secret@)` },
  'kingfisher:kingfisher.uri.1': { cc4c7de9ed5f: `${WORD} (username:secret@ on example.com)` },
  'kingfisher:kingfisher.rabbitmq.1': { babbe1b3b417: `${WORD} (user:password@ on example.com)` },
  'kingfisher:kingfisher.reactapp.2': { '036c57d37d24': `${WORD} (smtp_password, "Enter your SMTP email password")` },
  'kingfisher:kingfisher.generic.4': { e1dddff02574: 'the password is masked (######)' },
  'kingfisher:kingfisher.generic.5': {
    '7061355fe2f2': `${WORD} ("YOURPASSWROD")`,
    bc67372e2642: 'code that concatenates two variables (appKey, appSecret): no literal value'
  },
  'kingfisher:kingfisher.psexec.1': {
    f34fb3672692: `${VARIABLE} (-p $Password)`,
    d0a146223525: `${VARIABLE} (-p %nothing%)`,
    be3dd8bd43ef: `${WORD} (-p PASSWORD)`
  },
  'kingfisher:kingfisher.auth0.2': { '4574d12902e6': 'the secret is a placeholder (YOUR_VERY_LONG_AND_SECURE_CLIENT_SECRET_GOES_HERE_…)' },
  'kingfisher:kingfisher.tmetric.1': { fe04803ca30a: 'the token is a run of one character (A × 64)' },
  // Values that fail the provider's format, checked against the format as the provider issues it today
  // and as gitleaks' and Nosey Parker's rules state it; the same texts under Nosey Parker's rules are
  // in labels.ts with the same reasons.
  'kingfisher:kingfisher.azure.1': {
    '36b3c7d8445a': `${ALTERED} (an AccountKey of 73 base64 characters and ==, where a storage account key is 64 bytes: 86 and ==; its middle is keyboard mashing, sfsdfsdsgfsgfdgfdgfd)`
  },
  'kingfisher:kingfisher.buildkite.1': {
    '8a57da55f4da': `${ALTERED} (bkua_ then a keyboard walk, z x c v b n m / q w e r t y u i o p / l k j, interleaved with 1234567890: Buildkite's API access tokens are bkua_ and 40 hex digits)`
  },
  'kingfisher:kingfisher.circleci.1': Object.fromEntries(
    ['c2f11b5bc813', '6df31006e4a8'].map((h) => [
      h,
      `${ALTERED} (CCIPAT_, 24 characters, _, and 40 characters that are not hex: CircleCI's personal tokens are CCIPAT_, 22 base62, _, 40 hex, as gitleaks' circleci-personal-token states it)`
    ])
  ),
  'kingfisher:kingfisher.contentful.1': { '968d73d1929d': `${PLACEHOLDER_TOKEN} (CFPAT- then the alphabet in order, a–z, A–Z, 1–0, _)` },
  'kingfisher:kingfisher.npm.1': { '7a9e8bf50a5d': `${ALTERED} (its CRC32 suffix does not match the token)` },
  'kingfisher:kingfisher.nuget.1': {
    '9ac32a4b7b9d': `${ALTERED} (oy2 keys have a fixed layout: the 20th character is a or q and the 32nd e or u; here u and f)`,
    '5244b35d99d1': `${ALTERED} (oy2 keys have a fixed layout: the 20th character is a or q and the 32nd e or u; here d and 1)`
  },
  'kingfisher:kingfisher.nuget.2': Object.fromEntries(
    ['05ed99567db9', '7590d713b13a'].map((h) => [
      h,
      `${ALTERED} (46 characters without NuGet.org's oy2: every NuGet.org API key starts oy2, in the fixed layout of microsoft/security-utilities' NuGetApiKey)`
    ])
  ),
  'kingfisher:kingfisher.openai.1': {
    '69d7230024fc': `${ALTERED} (T4BlbkFJ where every OpenAI secret key holds T3BlbkFJ, base64 of "OpenAI", as gitleaks' openai-api-key requires)`
  },
  'kingfisher:kingfisher.replicate.1': {
    '4e40b76bc5ff': `${PLACEHOLDER_TOKEN} (r8_ then 12, then the alphabet in order with alternating case, 45 characters where a Replicate token has 37)`
  },
  'kingfisher:kingfisher.telegram.1': {
    d5cf77d457db: `${DOC_TOKEN} (bot id 1234567890, and a secret part without the AA every issued bot token starts with, which gitleaks' and Nosey Parker's rules require)`,
    e8d963774627: `${DOC_TOKEN} (Apprise's tgram:// URL with bot id 12345678, and a secret part without the AA every issued bot token starts with)`
  }
}
