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
  'kingfisher:kingfisher.bitbucket.1': 'rule named "Bitbucket Client ID": an OAuth client id, public in every authorize URL',
  // Its validation sends the value as the client_id of an OAuth authorize URL: sq0idp- is Square's application id.
  'kingfisher:kingfisher.squareup.1':
    'a Square application id (sq0idp-), which Kingfisher validates as an OAuth client_id: public in every authorize URL and in browser code'
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
const DOC_EXAMPLE = "the format's own documentation example"

// Placeholders: the alphabet in order, counting digits, a..f and 0..9 in turn, RFC 4122's example
// UUID 123e4567-e89b-12d3-a456-426614174000 and its edits — what documentation writes where the key goes.
const SEQUENCES: ReadonlyArray<readonly [rule: string, sha: string, what: string]> = [
  ['adobe.1', '294207e68506', '1a2b3c4d5e6f7890abcdef1234567890'],
  ['airtable.2', '8647bea8e7ea', 'example.v1.XYZ123_ABC.abcdef123456'],
  ['anypoint.1', 'c7f564b05e00', '33333333-cccc-dddd-eeee-444444444444'],
  ['asana.2', '5bc98ff1d797', '1234567890abcdef twice, then 12'],
  ['auth0.2', 'ddaba862dbf8', 'abcdef1234567890 four times'],
  ['azurestorage.key.1', '59b546c5ce41', 'Xy9aB8cD7eF6gH5iJ4kL3mN2… : letter pairs counting up against digits counting down'],
  ['blazemeter.1', '42810dade65d', "RFC 4122's example UUID"],
  ['blazemeter.1', 'e9f7a1874ec9', "RFC 4122's example UUID, its last digits replaced by abc"],
  ['calendarific.1', 'ee5f26a3d930', 'xyz ten times then 12'],
  ['capsulecrm.1', '00e3435ef119', 'the alphabet in order, then 0123456789, then more of the alphabet'],
  ['chartmogul.1', '3fdb98e4d168', 'a1b2c3…o5p6: letters and digits counting up in turn'],
  ['cloudsmith.1', 'a46aa4c5b0f6', '1234567890abcdef repeated'],
  ['cloudsmith.1', '954d0ab89d5f', 'abcdef0123456789 repeated'],
  ['coda.1', '964675cec07b', "RFC 4122's example UUID"],
  ['coda.1', '850c105a8f0d', '987e6543-…-654321098765: digits counting down'],
  ['column.1', 'ec16dacdf787', 'test_ then the alphabet in order and 123456'],
  ['column.1', 'adccca76b341', 'live_ then the alphabet in order and 123456'],
  ['confluent.2', '6f1b456ce89b', 'the alphabet in order, upper then lower case, with 1234567890'],
  ['dailyco.1', 'cd4d3a45f211', '123f456b789c234b…: digit triples counting up between single letters'],
  ['dailyco.1', '50f1c73487eb', '123f456b789c234b…: digit triples counting up between single letters'],
  ['dailyco.1', 'e3e34a44a6dd', '123f456b789c234b…: digit triples counting up between single letters'],
  ['dailyco.1', '6c52ad193d7b', '123f456b789c234b…: digit triples counting up between single letters'],
  ['dareboost.1', 'aa3c45329f07', 'ends in the alphabet in order, defghijklmnopqrstuvwxyz'],
  ['debounce.1', '4dc42c84e70a', 'ab12cd34ef56g'],
  ['debounce.1', '7425de9f676a', '123456789ABCD'],
  ['dfuse.1', 'c3fb023ecb08', "RFC 4122's example UUID without dashes, ending abc"],
  ['ditto.1', 'e3fe36b63477', "RFC 4122's example UUID, then abcdef0123456789 repeated"],
  ['elevenlabs.1', '7fd6ccd09d81', 'sk_ then 1234567890abcdef repeated'],
  ['enigma.1', '9720f574898a', 'the alphabet in order in mixed case, then 01234 and more of it'],
  ['envoy.1', '9abec199b137', 'the alphabet in order, repeated'],
  ['everhour.1', 'f10820f20498', 'ABCD-1234-123456-abcdef-12345678'],
  ['eventbrite.1', '3122925730ea', 'ZXC2JK3HV4TY5UIO6PLK: the keyboard walked, z x c, j k, t y, u i o, p l k, between digits counting up'],
  ['elasticemail.1', 'd7b1b7e9a77f', 'keyboard mashing, sdfh, sdfksj, kdsfjall, its halves repeated'],
  ['documo.1', 'c234b0d5fe2e', 'one 21-character run, eyA1ZXWmv5R8rysmZi54N…, repeated six times with a letter changed'],
  ['fullstory.1', 'e197d61927bd', 'base64 of made-up text ending in the alphabet in order: user:{confirmed:true,"kura":"elenive … abcdefghijklmnopqrstuvwxyz'],
  ['facebook.1', '1d31f7a19185', 'an app id written 123456789012345 (and an app id is public)'],
  ['facebook.1', 'da64da562887', 'an app id written 123456789012345 (and an app id is public)'],
  ['facebook.3', '5663ce142b91', 'EAACEdEose0cBAMZD then 123456789 and the alphabet in order'],
  ['facebook.3', 'ca2ac9014c22', 'EAACEdEose0cBAZAQW then 123456789, the alphabet in order and ASDFGHJKL'],
  ['fastforex.1', '69010e5ab0ed', '1234abcd5678efgh9012ijkl3456'],
  ['fastforex.1', '7842212f50bc', 'abcd1234efgh5678ijkl9012mnop'],
  ['findl.1', '4750ab1d0b9e', "RFC 4122's example UUID"],
  ['findl.1', 'a0cfe227a0a7', "RFC 4122's example UUID, ending abc"],
  ['fixerio.1', '21589c810222', 'abcdef123456 repeated'],
  ['fixerio.1', 'aa30308e82c8', '1234abcd5678efgh1234ijkl5678mnop'],
  ['flatio.1', '7df72e928846', 'abcdef0123456789 repeated'],
  ['flatio.1', '2002435fe012', '1234567890abcdef repeated'],
  ['float.1', 'e47f70db2966', 'AABBCCDDEEFFGGHHIIJJKKLL122334455667788'],
  ['formbucket.1', '5b6832105736', 'abc123.def456.ghi789-jkl'],
  ['formbucket.1', '8b1852a3c646', 'a1b2c3.d4e5f6.g7h8i9-j0k1'],
  ['frameio.1', '5bd288e2d7e8', 'SECRET- then the alphabet in order with 1234567890'],
  ['front.1', '3a47db56cf86', '1234567890 repeated, then the alphabet in order repeated'],
  ['front.1', '58d551afe3e7', 'XYZabcd repeated, then YZabc123etcToMake244CharactersLong and dots'],
  ['fullstory.1', 'cb6b9889fd96', 'na1. then the base64 alphabet in order'],
  ['fxmarket.1', '9bc60ef70142', '1234567890ABCDE_FX12'],
  ['geocode.1', '829b68310b6e', 'abc123def456ghi789jkl0123456'],
  ['guardian.1', 'f22756f105d5', 'abcdef12-1234-abcd-5678-abcdef123456'],
  ['guardian.1', 'd47ffb4f55ca', 'abcdef12-1234-abcd-5678-abcdef123456'],
  ['hiveage.1', 'f52db826512b', '0000XxXxXx…0000'],
  ['humanity.1', '84d9cddbb380', 'abcdef1234567890 repeated'],
  ['hunter.1', '687d77db3e38', 'the alphabet in order a–x, then 1234567890abcd12'],
  ['impala.1', '0e965417da9c', 'abc123DEF456ghi789…: letter triples in order between digit triples counting up'],
  ['karmacrm.1', 'ab4cfe005482', 'the alphabet in order a–t'],
  ['karmacrm.1', 'a6ccf77989aa', 'the alphabet backwards Z–G'],
  ['launchdarkly.1', '5a6d4c987915', 'a UUID written 123e4567-e89b-4a3c-a456-abcdef123456'],
  ['launchdarkly.1', '3818f88977e6', 'abcdef12-3456-4d78-abcd-123456abcdef'],
  ['lessannoyingcrm.1', '4cea12f284a9', 'ab123cdef456ghijkl789…: the alphabet in order between digits counting up'],
  ['lob.1', '1568e0931e41', 'QWERTYUIOPASDFGHJKLZXCVBNM1234567890ABCD: the keyboard rows in order'],
  ['magnetic.1', '5120530e2000', "RFC 4122's example UUID"],
  ['mailjetsms.1', '61b938fced0d', 'the alphabet in order, then 012345'],
  ['mockaroo.1', 'cb7ebf586474', 'abcd1234'],
  ['microsoftteamswebhook.1', 'b11444ad7332', '12345678-abcd-1234-efgh-56789abcdef0 (efgh is not hex) in every id'],
  ['newrelic.1', 'd6e354ed0f61', 'abcd-1234567890abcdef repeated'],
  ['newrelic.1', 'cddba6c49a3b', '1234- then the alphabet in order'],
  ['nicereply.1', '0f35b989ff3b', '1234567890abcdef repeated'],
  ['noticeable.1', '55f29c78b461', 'abcdefghij1234567890'],
  ['nozbe.1', '9cfd55b61610', 'ABCD1234EFGH5678_ then the alphabet in order and 0123456789-_'],
  ['nozbe.1', '40d05adaee2a', 'k9m2n4p6q8r3t5v7_ then the alphabet in order, upper then lower case, and 0123456789'],
  ['packagecloud.1', '1e61f67bd170', '1234567890abcdef repeated'],
  ['paperform.1', '42fb3b0b210d', 'abcdefghij0123456789 repeated'],
  ['parseur.1', '4150585d2dbf', 'abcdef1234567890 repeated'],
  ['paydirtapp.1', '4e583dd5c56a', "RFC 4122's example UUID without dashes"],
  ['pepipost.1', 'c2f720e99a71', 'abcd1234efgh5678ijkl9012mnop3456'],
  ['pepipost.1', '7d746aee403e', 'wxyz7890abcd1234efgh5678ijkl9012'],
  ['polygon.1', '38cb8bd5a641', 'wxyzABCD1234567890efghIJKLmnopQR: the alphabet in order between 1234567890'],
  ['privacy.1', 'c580886c5398', "RFC 4122's example UUID"],
  ['protocolsio.1', '47a820883bca', 'abcdef1234567890 repeated'],
  ['protocolsio.1', '7261fb78e3d8', '1234567890abcdef repeated'],
  ['protocolsio.1', '3b2e65521483', '1a2b3c4d5e6f7g8h9i0jklmnopqrstuv twice'],
  ['pubnub.2', '300f870db073', 'sub-c-12345678-abcd-1234-efgh-567890abcdef (efgh is not hex)'],
  ['raven.1', '1cdb34989b19', 'ABCD1234-EFGH5678'],
  ['raven.1', '4488a51117fb', 'ABCD1234-EFGH5678'],
  ['rebrandly.1', '6a6ebd75353d', 'the alphabet in order a–v, WX, 1234567890_'],
  ['recaptcha.1', 'd4d9d8999aee', '6Lcr then dashes, w and B: a mask of the format'],
  ['recaptcha.1', 'aabfa9cda1c1', '6Lcw then dashes, w and A: a mask of the format'],
  ['refiner.1', '7dca5479e747', "RFC 4122's example UUID"],
  ['refiner.1', '5c430c3e1911', 'abc12345-6789-0abc-1def-23456789abcd'],
  ['restpack.1', '34d6a0cf72fc', '1234567890abcdef repeated'],
  ['semaphore.1', 'f803c8582fb4', 'abcdef1234567890 twice'],
  ['shipday.1', '2d03137120b1', 'abc.def.ghi456ijk789mno0123456789abcde'],
  ['shipday.1', '8e227af746cc', 'abc.def.ghi123jkl456mno789pqr0123456stu'],
  ['smartsheets.1', '1364b0f2e7a9', '1234567890 then the alphabet in order'],
  ['sonarcloud.1', 'd13ca04fb151', 'abcdef0123456789 repeated'],
  ['sourcegraph.2', '963cb31fa693', 'sgp_1234567890abcdef_local_ then abcdef and counting digits'],
  ['squarespace.1', '0a482fcbec7b', "RFC 4122's example UUID"],
  ['squarespace.1', '56f882f147d4', "RFC 4122's example UUID, ending 222"],
  ['surveybot.1', 'c39fbc320348', 'abcdef1234567890 repeated in both cases'],
  ['theoddsapi.1', 'c5e888750aa9', 'abcdef1234567890 twice'],
  ['theoddsapi.1', '2d2c9b9c9af5', 'abcdef1234567890 twice'],
  ['travisci.1', '64f6554be26c', 'splendid21RANDOMCONTENT_token'],
  ['unplugg.1', 'cdc7ebe88713', '1234567890abcdef repeated'],
  ['unplugg.1', 'b07ab9b5137d', 'abcdef1234567890 repeated'],
  ['visualcrossing.1', '3c806dfa916c', 'the alphabet in order A–Y'],
  ['visualcrossing.1', '37eb1512cf12', 'the alphabet in order A–Y'],
  ['web3storage.1', 'd76e03752b67', 'a JWT whose claims are the alphabet in order, repeated'],
  ['web3storage.1', '65f0d5c83aaf', 'a JWT whose claims are the alphabet in order, repeated'],
  ['wandb.1', '3ea64a370f4f', '123e4567 then abcd4567 repeated'],
  ['wandb.1', '6cd7d88dfeed', 'abcdef1234567890 repeated'],
  ['yousign.1', 'b2f8b1e5da1a', '1234567890abcdef twice'],
  ['zapierwebhook.1', '20bae4531c34', 'a hook path written abcd1234efgh5678'],
  ['twitter.v2.1', '2ba3c6bef48e', 'ABCDEFGHIJ1234567890, %abc%def%, then the alphabet in order'],
  // A short run repeated to the token's length (detectors/gates.ts periodicValue refuses these in every rule).
  ['bitbar.1', 'ef15090b73ef', '123456 then abcdef repeated'],
  ['buddyns.1', 'aa17929fc03f', 'abcdef repeated'],
  ['centralstationcrm.1', '403de2381189', 'abcdef repeated'],
  ['centralstationcrm.1', '155b9ea1647b', '123456 repeated'],
  ['centralstationcrm.1', 'a652f44bd175', 'abcdef repeated'],
  ['cryptocompare.1', 'e5659ff6d3fc', 'abcd1234 repeated'],
  ['cryptocompare.1', 'b83f5492ffb7', 'abcd1234 repeated'],
  ['databricks.2', '3a7c3c273001', 'dapi then abcd1234 repeated'],
  ['holistic.1', 'c8df4ac5ba68', 'abcdef repeated'],
  ['holistic.1', '1bc91d346ade', 'abcdef repeated'],
  ['mailmodo.1', 'bd61368259b2', 'ABCDE12- repeated'],
  ['mailmodo.1', '8705f33d8d78', 'EXAMP12- repeated'],
  ['podio.1', '57cb5fd1c4eb', 'abcd1234 repeated'],
  ['rockset.1', '088121ce45d5', 'Asdf1234asdf1234…: asdf1234 repeated'],
  ['rockset.1', 'b90f201f3328', 'Asdf1234asdf1234…: asdf1234 repeated'],
  ['scrapingant.1', '85b69061a245', 'abcd1234 repeated'],
  ['scrapingant.1', 'a0335ea24202', 'abcd1234 repeated'],
  ['scrapingant.1', 'f341a610bafb', 'abcd1234 repeated'],
  ['stitchdata.1', 'fc10ed96557c', 'abcdef repeated'],
  ['tickettailor.1', '06fc720e3e3b', 'sk_5678_234567_ then abcdef repeated'],
  ['zenrows.1', '07da8ef69b1d', 'abcdef repeated']
]

/** `source:rule` → first 12 hex digits of SHA-256(example text) → why it holds no credential. */
const LISTED: Readonly<Record<string, Readonly<Record<string, string>>>> = {
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
  'kingfisher:kingfisher.generic.5': {
    '1696d85aa54c': `${WORD} ("thisismypassword"; labels.ts says the same of np.generic.5's copy)`,
    '9a0f2787485d': `${WORD} ("thisismypassword"; labels.ts says the same of np.generic.5's copy)`,
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
  // The same texts as Nosey Parker's examples, with the reasons labels.ts gives there.
  'kingfisher:kingfisher.generic.3': { aa814570045a: `${DOC_EXAMPLE} (RFC 7617's Aladdin / open sesame)` },
  'kingfisher:kingfisher.generic.8': { aa814570045a: `${DOC_EXAMPLE} (RFC 7617's Aladdin / open sesame)` },
  'kingfisher:kingfisher.generic.4': {
    e1dddff02574: 'the password is masked (######)',
    '481e64b8075f': `${DOC_EXAMPLE} (RFC 7617's Aladdin / open sesame)`,
    cf73cefe3c4a: `${DOC_EXAMPLE} (RFC 7617's Aladdin / open sesame)`
  },
  'kingfisher:kingfisher.google.3': { '12d23b0786cd': `${PLACEHOLDER_TOKEN} (a's)` },
  'kingfisher:kingfisher.grafana.1': { c85843a7202e: `${ALTERED} (the base64 JSON claim reads \`"id";1\`: it does not parse)` },
  'kingfisher:kingfisher.grafana.2': {
    '8b59d90d8cc9': `${ALTERED} (the base64 JSON claim holds a non-UTF-8 byte and ends \`1|\`)`,
    '0310a26e57af': `${ALTERED} (glc_ then base64 that does not decode to the JSON claim every Grafana Cloud token carries)`
  },
  'kingfisher:kingfisher.grafana.3': {
    '357f9925837b': `${ALTERED} (its CRC32 suffix does not match the token)`,
    a97b2a65e3ea: `${ALTERED} (its CRC32 suffix does not match the token)`
  },
  'kingfisher:kingfisher.jwt.1': { '3bec2b928bd6': `${ALTERED} (the header decodes to \`"HS256",\\x12typ"\`: not JSON; a Supabase anon key, public anyway)` },
  'kingfisher:kingfisher.linkedin.1': { '70baf4df7e54': 'no secret in the text at all (a table header: Email ID, Last 5 Digits of your SSN, LinkedIn ID)' },
  'kingfisher:kingfisher.okta.1': { a7b9bcb1ea81: `${PLACEHOLDER_TOKEN} (00 then a's)`, '2cb095a1da7a': `${PLACEHOLDER_TOKEN} (00-, a's and dashes)` },
  'kingfisher:kingfisher.pem.2': { '2798b61195d2': `${ALTERED} (the base64 decodes to an RSA key whose body holds a non-base64 byte, 0x9a)` },
  'kingfisher:kingfisher.mapbox.1': {
    b373907bcc5b:
      'a public token by design (Mapbox pk. tokens are read-only and shipped to browsers; Nosey Parker files its mapbox rule without the `secret` category)'
  },
  'kingfisher:kingfisher.anthropic.1': {
    fdbdcf8def20: `${ALTERED} (sk-ant-api668-: every Anthropic API key starts sk-ant-api03-, as gitleaks' and Nosey Parker's rules state it)`
  },
  'kingfisher:kingfisher.slack.2': {
    '8d7165aafb51': `${ALTERED} (xoxb- with hex letters in the two id fields, which Slack issues as decimal numbers)`
  },
  'kingfisher:kingfisher.privkey.2': {
    '3cd86d67f906': `${ALTERED} (an ENCRYPTED PRIVATE KEY block of 40 base64 characters: 30 bytes cannot hold a PKCS#8 encrypted key)`,
    f50bef495111: `${ALTERED} (an ENCRYPTED PRIVATE KEY BLOCK of 64 base64 characters: 48 bytes cannot hold an encrypted key)`
  },
  'kingfisher:kingfisher.gcp.1': {
    c6e61a300b2f: 'no secret in the text at all (a Firebase credential block with the certificate URLs, client id and e-mail, and no private_key)',
    '23bdafb87364': 'no secret in the text at all (auth_provider_x509_cert_url, a public certificate URL field, holding unquoted hex)'
  },
  'kingfisher:kingfisher.twitter.1': {
    '26e60b8f3011': "an identifier (TWITTER_ID, the same text as np.twitter.1's, whose rule's category is `identifier`; its other example holds the secret)"
  },
  'kingfisher:kingfisher.rentman.1': {
    '6afb7eaeded8': `${DOC_TOKEN} (a JWT header and payload without a signature; the payload is jwt.io's John Doe example)`
  },
  'kingfisher:kingfisher.age.2': Object.fromEntries(
    ['ca3825436324', '107a3b840e96'].map((h) => [h, `${ALTERED} (an age secret key whose bech32 checksum does not match its data: age would not read it)`])
  ),
  'kingfisher:kingfisher.telegram.1': {
    d5cf77d457db: `${DOC_TOKEN} (bot id 1234567890, and a secret part without the AA every issued bot token starts with, which gitleaks' and Nosey Parker's rules require)`,
    e8d963774627: `${DOC_TOKEN} (Apprise's tgram:// URL with bot id 12345678, and a secret part without the AA every issued bot token starts with)`
  }
}

/** `source:rule` → first 12 hex digits of SHA-256(example text) → why it holds no credential. */
export const KINGFISHER_PLACEHOLDERS: Readonly<Record<string, Readonly<Record<string, string>>>> = SEQUENCES.reduce<Record<string, Record<string, string>>>(
  (acc, [rule, sha, what]) => {
    const key = `kingfisher:kingfisher.${rule}`
    acc[key] = { ...acc[key], [sha]: `${PLACEHOLDER_TOKEN} (${what})` }
    return acc
  },
  { ...LISTED }
)
