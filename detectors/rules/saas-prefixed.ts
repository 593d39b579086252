import { ALPHABETS } from '../gen.ts'
import { BASE62, BASE64URL, charset, format, HEX, HEX_ANY_CASE, re, tokenRule } from './define.ts'
import { END_DASH, START, START_DASH } from './patterns.ts'

// Tokens whose prefix names the provider, for providers with no rule file of their own; until these
// rules only the generic assignment rule took them, and only after a secret-ish name. Formats are
// facts from the providers' documentation as Kingfisher's rule files state them (github.com/mongodb/kingfisher,
// data/rules/*.yml, Apache-2.0; the Kingfisher rule id is in each comment) and, where gitleaks has the
// rule too, as its config states them (MIT), or as CredSweeper's rule config states them (github.com/Samsung/CredSweeper,
// credsweeper/rules/config.yaml, MIT; its rule name in the comment). The regexes are ours.

const LOWER_DIGITS = charset('a-z0-9', ALPHABETS.alnumLower)
const PSCALE_KINDS = ['tkn', 'pw', 'oauth']

export const rules = [
  tokenRule({
    // kingfisher.nvapi.1: NVIDIA API catalog (build.nvidia.com) and NGC keys, nvapi- then 64.
    id: 'nvidia-api-key',
    title: 'NVIDIA API key (nvapi-)',
    severity: 'high',
    token: format('nvapi-', BASE64URL(64)),
    minEntropy: 3.5,
    lines: [(s) => `NVIDIA_API_KEY=${s}`, (s) => `curl -H "Authorization: Bearer ${s}" https://integrate.api.nvidia.com/v1/chat/completions`],
    negatives: ['NVIDIA_API_KEY=nvapi-…', `nvapi-${'x'.repeat(64)}`]
  }),
  tokenRule({
    // kingfisher.planetscale.1; gitleaks planetscale-api-token, -password, -oauth-token: pscale_tkn_,
    // pscale_pw_ or pscale_oauth_ then 32 to 64 characters.
    id: 'planetscale-token',
    title: 'PlanetScale service token, password or OAuth token (pscale_tkn_, pscale_pw_, pscale_oauth_)',
    severity: 'critical',
    token: format(
      'pscale_',
      re('(?:tkn|pw|oauth)', (g) => PSCALE_KINDS[Number(g.chars('012', 1))] ?? 'tkn'),
      '_',
      charset('A-Za-z0-9_=.-', ALPHABETS.base64url).atLeast(32, 43)
    ),
    keywords: PSCALE_KINDS.map((k) => `pscale_${k}_`),
    minEntropy: 3.5,
    // At most 64 after the kind (a bounded range that wide leaves RE2's DFA: rules.test.ts).
    validate: (s) => s.length - s.indexOf('_', 'pscale_'.length) - 1 <= 64,
    lines: [(s) => `PLANETSCALE_SERVICE_TOKEN=${s}`, (s) => `{"level":"debug","msg":"pscale auth","service_token":"${s}"}`],
    negatives: ['PLANETSCALE_SERVICE_TOKEN=pscale_tkn_…', `pscale_tkn_${'a'.repeat(43)}`]
  }),
  tokenRule({
    // kingfisher.posthog.1: a personal API key, phx_ then 43 (project keys, phc_, are public).
    id: 'posthog-personal-api-key',
    title: 'PostHog personal API key (phx_)',
    severity: 'high',
    token: format('phx_', charset('A-Za-z0-9_', ALPHABETS.base62)(43)),
    minEntropy: 3.5,
    lines: [(s) => `POSTHOG_PERSONAL_API_KEY=${s}`, (s) => `{"level":"debug","msg":"posthog client","personal_api_key":"${s}"}`],
    negatives: ['phx_join sent for topic room:lobby', `phx_${'0'.repeat(43)}`]
  }),
  tokenRule({
    // kingfisher.prefect.1, gitleaks prefect-api-token: Prefect Cloud API keys, pnu_ then 36.
    id: 'prefect-api-key',
    title: 'Prefect Cloud API key (pnu_)',
    severity: 'high',
    token: format('pnu_', BASE62(36)),
    minEntropy: 3.5,
    lines: [(s) => `PREFECT_API_KEY=${s}`, (s) => `+ prefect cloud login --key ${s} --workspace acme/prod`],
    negatives: ['PREFECT_API_KEY=pnu_…', `pnu_${'x'.repeat(36)}`]
  }),
  tokenRule({
    // kingfisher.pulumi.1, gitleaks pulumi-api-token: pul- then 40 hex.
    id: 'pulumi-access-token',
    title: 'Pulumi access token (pul-)',
    severity: 'critical',
    token: format('pul-', HEX(40)),
    minEntropy: 3.0,
    lines: [(s) => `PULUMI_ACCESS_TOKEN=${s}`, (s) => `  env: [{"name":"PULUMI_ACCESS_TOKEN","value":"${s}"}]`],
    negatives: ['PULUMI_ACCESS_TOKEN=pul-…', `pul-${'0'.repeat(40)}`]
  }),
  tokenRule({
    // kingfisher.sendinblue.1, gitleaks sendinblue-api-token: Brevo (Sendinblue) API keys, xkeysib-
    // then 64 hex, '-' and 16; SMTP keys are xsmtpsib- in the same shape.
    id: 'brevo-api-key',
    title: 'Brevo (Sendinblue) API or SMTP key (xkeysib-, xsmtpsib-)',
    severity: 'high',
    token: format(
      re('(?:xkeysib|xsmtpsib)', (g) => (g.digits(1) < '5' ? 'xkeysib' : 'xsmtpsib')),
      '-',
      HEX(64),
      '-',
      BASE62(16)
    ),
    keywords: ['xkeysib-', 'xsmtpsib-'],
    minEntropy: 3.0,
    lines: [(s) => `BREVO_API_KEY=${s}`, (s) => `curl -H "api-key: ${s}" https://api.brevo.com/v3/smtp/email`],
    negatives: [`xkeysib-${'0'.repeat(64)}-${'0'.repeat(16)}`, 'xkeysib-…']
  }),
  tokenRule({
    // kingfisher.shippo.1, gitleaks shippo-api-token: shippo_live_ or shippo_test_ then 40 hex.
    id: 'shippo-api-token',
    title: 'Shippo API token (shippo_live_, shippo_test_)',
    severity: 'high',
    token: format(
      'shippo_',
      re('(?:live|test)', (g) => (g.digits(1) < '5' ? 'live' : 'test')),
      '_',
      HEX_ANY_CASE(40)
    ),
    keywords: ['shippo_live_', 'shippo_test_'],
    minEntropy: 3.0,
    lines: [(s) => `SHIPPO_API_TOKEN=${s}`, (s) => `curl -H "Authorization: ShippoToken ${s}" https://api.goshippo.com/shipments/`],
    negatives: [`shippo_live_${'0'.repeat(40)}`]
  }),
  tokenRule({
    // kingfisher.mongodb.4: a MongoDB Atlas service account's client secret, mdb_sa_sk_ then 40.
    id: 'mongodb-atlas-service-account-secret',
    title: 'MongoDB Atlas service account secret (mdb_sa_sk_)',
    severity: 'critical',
    token: format('mdb_sa_sk_', BASE64URL(6), BASE62(34)),
    minEntropy: 3.5,
    lines: [(s) => `MONGODB_ATLAS_CLIENT_SECRET=${s}`, (s) => `{"level":"info","msg":"atlas auth","client_secret":"${s}"}`],
    negatives: ['MONGODB_ATLAS_CLIENT_SECRET=mdb_sa_sk_…', `mdb_sa_sk_${'x'.repeat(40)}`]
  }),
  tokenRule({
    // kingfisher.telnyx.1: Telnyx API v2 keys, KEY then 55. KEY alone starts many names, so the
    // provider's name must come first (within 32 characters, as Kingfisher's rule has it).
    id: 'telnyx-api-key',
    title: 'Telnyx API key (KEY…, after the name Telnyx)',
    severity: 'high',
    token: format('KEY', charset('0-9A-Za-z_-', ALPHABETS.base64url)(55)),
    keywords: ['telnyx'],
    regex: (t) => `(?i:telnyx)[^\\n]{0,32}?[^0-9A-Za-z_-](${t})${END_DASH}`,
    minEntropy: 3.5,
    lines: [(s) => `TELNYX_API_KEY=${s}`, (s) => `{"msg":"telnyx client ready","api_key":"${s}"}`],
    negatives: ['TELNYX_API_KEY=KEY…', 'telnyx KEY rotation scheduled for messaging profiles']
  }),
  tokenRule({
    // kingfisher.square.1: Square's OAuth and personal access tokens, EAAA then 60. Facebook's tokens
    // start EAA too, so Square's name must come first (within 16 characters, as Kingfisher's rule has it).
    id: 'square-access-token-eaaa',
    title: 'Square access token (EAAA…, after the name Square)',
    severity: 'critical',
    token: format('EAAA', charset('A-Za-z0-9_+=-', ALPHABETS.base64url)(60)),
    keywords: ['square'],
    regex: (t) => `(?i:square)[^\\n]{0,16}?[^A-Za-z0-9_+-](${t})(?:[^A-Za-z0-9_+=-]|$)`,
    minEntropy: 3.5,
    lines: [(s) => `SQUARE_ACCESS_TOKEN=${s}`, (s) => `{"level":"debug","square_access_token":"${s}"}`],
    negatives: ['SQUARE_ACCESS_TOKEN=EAAA…', `square token EAAA${'A'.repeat(60)}`]
  }),
  tokenRule({
    // kingfisher.pubnub.1: a PubNub publish key, pub-c- then a UUID; secret keys are sec-c- then 48
    // base64. Subscribe keys (sub-c-) only read and ship in every client: not reported.
    id: 'pubnub-key',
    title: 'PubNub publish or secret key (pub-c-, sec-c-)',
    severity: 'medium',
    token: format(
      re('(?:pub-c-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}|sec-c-[A-Za-z0-9+/]{48})', (g) =>
        g.digits(1) < '5' ? `pub-c-${g.hex(8)}-${g.hex(4)}-${g.hex(4)}-${g.hex(4)}-${g.hex(12)}` : `sec-c-${g.chars(ALPHABETS.base64, 48)}`
      )
    ),
    keywords: ['pub-c-', 'sec-c-'],
    before: START_DASH,
    after: '(?:[^A-Za-z0-9_+/=-]|$)',
    minEntropy: 3.0,
    lines: [(s) => `PUBNUB_KEY=${s}`, (s) => `{"level":"info","msg":"pubnub init","key":"${s}"}`],
    negatives: ['pub-c-00000000-0000-0000-0000-000000000000', 'sub-c-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d']
  }),
  tokenRule({
    // Cloudflare's scannable credentials (developers.cloudflare.com/fundamentals/api/get-started/token-formats):
    // cfk_ (the Global API Key), cfut_ (a user API token), cfat_ (an account API token), each then 40
    // characters and a checksum; CredSweeper's "CloudFlare API Token" reads 48 in all.
    id: 'cloudflare-scannable-token',
    title: 'Cloudflare API key or token, scannable format (cfk_, cfut_, cfat_)',
    severity: 'critical',
    token: format(
      'cf',
      re('(?:k|ut|at)', (g) => ['k', 'ut', 'at'][Number(g.chars('012', 1))] ?? 'ut'),
      '_',
      BASE62(48)
    ),
    keywords: ['cfk_', 'cfut_', 'cfat_'],
    minEntropy: 3.5,
    // Documentation and scanners' test values end in EXAMPLE (CredSweeper's samples): not a credential.
    allow: { secrets: ['(?i)example'] },
    lines: [(s) => `CLOUDFLARE_API_TOKEN=${s}`, (s) => `curl -H "Authorization: Bearer ${s}" https://api.cloudflare.com/client/v4/user/tokens/verify`],
    negatives: ['CLOUDFLARE_API_TOKEN=cfut_…', `cfat_${'x'.repeat(48)}`, 'cfk_config loaded']
  }),
  tokenRule({
    // CredSweeper "Vercel Token": a Vercel personal access token, vcp_ then 56.
    id: 'vercel-access-token',
    title: 'Vercel access token (vcp_)',
    severity: 'high',
    token: format('vcp_', BASE62(56)),
    minEntropy: 3.5,
    // Documentation and scanners' test values end in EXAMPLE (CredSweeper's samples): not a credential.
    allow: { secrets: ['(?i)example'] },
    lines: [(s) => `VERCEL_TOKEN=${s}`, (s) => `+ vercel deploy --prod --token ${s}`],
    negatives: ['VERCEL_TOKEN=vcp_…', `vcp_${'0'.repeat(56)}`]
  }),
  tokenRule({
    // CredSweeper "Netlify Token": a Netlify personal access token, nfp_ then 36.
    id: 'netlify-access-token',
    title: 'Netlify personal access token (nfp_)',
    severity: 'high',
    token: format('nfp_', BASE62(36)),
    minEntropy: 3.5,
    // Documentation and scanners' test values end in EXAMPLE (CredSweeper's samples): not a credential.
    allow: { secrets: ['(?i)example'] },
    // (After the name, NETLIFY_AUTH_TOKEN=… or netlify … --auth, the span is saas-named-api-token's.)
    lines: [(s) => `curl -H "Authorization: Bearer ${s}" https://api.netlify.com/api/v1/sites`, (s) => `{"level":"debug","msg":"deploy","auth":"${s}"}`],
    negatives: ['NETLIFY_AUTH_TOKEN=nfp_…', `nfp_${'x'.repeat(36)}`]
  }),
  tokenRule({
    // CredSweeper "PostHog Credentials": PostHog's secret keys beside the personal API key (phx_,
    // posthog-personal-api-key): pha_ (OAuth access), phr_ (OAuth refresh), phs_ (project secret / feature
    // flags secure key), then 40 to 60. Project keys (phc_) ship in every page: not reported.
    id: 'posthog-secret-token',
    title: 'PostHog OAuth or project secret token (pha_, phr_, phs_)',
    severity: 'high',
    token: format(
      'ph',
      re('[ars]', (g) => g.chars('ars', 1)),
      '_',
      BASE62.atLeast(40, 48)
    ),
    keywords: ['pha_', 'phr_', 'phs_'],
    minEntropy: 3.5,
    // At most 60 (a bounded range that wide leaves RE2's DFA: rules.test.ts).
    validate: (s) => s.length <= 4 + 60,
    lines: [(s) => `POSTHOG_SECRET=${s}`, (s) => `{"level":"debug","msg":"posthog oauth","token":"${s}"}`],
    negatives: ['pha_config loaded', `phs_${'0'.repeat(48)}`, 'phc_public_project_key_in_page']
  }),
  tokenRule({
    // CredSweeper "LLAMA API Key": a Llama API key (llama.developer.meta.com), llx- then 48.
    id: 'llama-api-key',
    title: 'Meta Llama API key (llx-)',
    severity: 'high',
    token: format('llx-', BASE64URL(48)),
    before: START_DASH,
    minEntropy: 3.5,
    lines: [(s) => `LLAMA_API_KEY=${s}`, (s) => `curl -H "Authorization: Bearer ${s}" https://api.llama.com/v1/chat/completions`],
    negatives: ['LLAMA_API_KEY=llx-…', `llx-${'x'.repeat(48)}`]
  }),
  tokenRule({
    // gitleaks dynatrace-api-token, CredSweeper "Dynatrace API Token": dt0c01., a 24-character public
    // part, '.', and the 64-character secret, upper-case letters and digits. The keyword is the whole
    // prefix: a 3-letter `dt0` cost 4% of an audit-log scan in the keyword automaton (paired, 9 rounds).
    id: 'dynatrace-api-token',
    title: 'Dynatrace API token (dt0c01.)',
    severity: 'high',
    // Issued in upper case; gitleaks' rule reads either case, as a copied token may be.
    token: format('dt0c01.', charset('A-Za-z0-9', ALPHABETS.upperDigits)(24), '.', charset('A-Za-z0-9', ALPHABETS.upperDigits)(64)),
    minEntropy: 3.5,
    lines: [(s) => `DT_API_TOKEN=${s}`, (s) => `curl -H "Authorization: Api-Token ${s}" https://abc12345.live.dynatrace.com/api/v2/metrics`],
    negatives: ['DT_API_TOKEN=dt0c01.…', `dt0c01.${'A'.repeat(24)}.${'A'.repeat(64)}`]
  }),
  tokenRule({
    // gitleaks clojars-api-token, CredSweeper "Clojars Deploy Token": CLOJARS_ then 60 hex.
    id: 'clojars-deploy-token',
    title: 'Clojars deploy token (CLOJARS_)',
    severity: 'high',
    // Clojars issues 60 lower-case hex; gitleaks' rule reads any letters and digits, as a copied token may be.
    token: format('CLOJARS_', charset('A-Za-z0-9', ALPHABETS.hex)(60)),
    minEntropy: 3.0,
    // A counting run (0123456789abcdef…) is a made-up value (CredSweeper's negative sample); random hex holds one once in 10^10.
    allow: { secrets: ['0123456789|456789abcdef'] },
    lines: [(s) => `CLOJARS_PASSWORD=${s}`, (s) => `+ lein deploy clojars # using ${s}`],
    negatives: ['CLOJARS_USERNAME=acme', `CLOJARS_${'0'.repeat(60)}`]
  }),
  tokenRule({
    // gitleaks defined-networking-api-token, CredSweeper "Defined Networking API Key": a Defined Networking
    // (managed Nebula) API key, dnkey- then 26 and 52 base32 characters.
    id: 'defined-networking-api-key',
    title: 'Defined Networking API key (dnkey-)',
    severity: 'high',
    // Issued as base32 (CredSweeper's rule); gitleaks' reads letters, digits, '=', '_' and '-', so does this.
    token: format('dnkey-', charset('A-Za-z0-9=_-', ALPHABETS.base32)(26), '-', charset('A-Za-z0-9=_-', ALPHABETS.base32)(52)),
    before: START_DASH,
    minEntropy: 3.5,
    lines: [(s) => `DN_API_KEY=${s}`, (s) => `curl -H "Authorization: Bearer ${s}" https://api.defined.net/v1/hosts`],
    negatives: ['DN_API_KEY=dnkey-…', `dnkey-${'A'.repeat(26)}-${'A'.repeat(52)}`]
  }),
  tokenRule({
    // kingfisher.tineswebhook.1: a Tines webhook's URL, https://<tenant>.tines.com/webhook/<path>/<secret>:
    // the last segment is the secret the action checks.
    id: 'tines-webhook-url',
    title: 'Tines webhook URL with its secret',
    severity: 'high',
    token: format(LOWER_DIGITS(32), '/', LOWER_DIGITS(32)),
    keywords: ['.tines.com/webhook/'],
    regex: (t) => `https://[\\w-]+\\.tines\\.com/webhook/(${t})(?:[^a-z0-9]|$)`,
    minEntropy: 3.0,
    lines: [(s) => `POST https://acme.tines.com/webhook/${s} 200`, (s) => `{"msg":"forwarding alert","url":"https://sec-ops.tines.com/webhook/${s}"}`],
    negatives: ['https://acme.tines.com/webhook/<path>/<secret>', 'https://www.tines.com/docs/actions/types/webhook/']
  }),
  tokenRule({
    // CredSweeper "PayPal Braintree Access Token": access_token$production$, the merchant id (16), '$' and 32 hex
    // (Braintree's SDKs take it as `BraintreeGateway(accessToken)`). Sandbox tokens ($sandbox$) reach no money.
    id: 'braintree-access-token',
    title: 'PayPal Braintree production access token',
    severity: 'critical',
    token: format('access_token$production$', LOWER_DIGITS(16), '$', HEX(32)),
    before: START,
    minEntropy: 3.0,
    lines: [(s) => `BRAINTREE_ACCESS_TOKEN=${s}`, (s) => `{"level":"debug","msg":"gateway init","accessToken":"${s}"}`],
    negatives: ['access_token$sandbox$abcdef0123456789$0123456789abcdef0123456789abcdef', 'BRAINTREE_ACCESS_TOKEN=access_token$production$…']
  })
]
