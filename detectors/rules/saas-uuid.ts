import { tokenRule, UUID } from './define.ts'
import { assigned, keyOf } from './patterns.ts'

// Providers whose API keys are bare UUIDs. A UUID means a key only next to the provider's name and a
// credential word (SNYK_TOKEN, hubspot_api_key): alone it is a request, tenant or session id, which the
// generic rules' identifier gate refuses.
const PROVIDERS = ['snyk', 'hubspot', 'squarespace', 'sendbird', 'kucoin', 'messagebird', 'bitwarden', 'contentful', 'launchdarkly']

export const rules = [
  tokenRule({
    id: 'saas-uuid-api-key',
    title: 'API key of a provider whose keys are UUIDs (Snyk, HubSpot, Squarespace, Sendbird, KuCoin, MessageBird, …)',
    severity: 'high',
    token: { ...UUID, regex: UUID.regex.replace(/a-f0-9/g, 'a-fA-F0-9') },
    regex: (t) => assigned(keyOf(PROVIDERS.join('|')), t),
    keywords: PROVIDERS,
    minEntropy: 2.5,
    lines: [(s) => `SNYK_TOKEN=${s}`, (s) => `{"hubspot_api_key":"${s}"}`, (s) => `  sendbird-api-token: ${s}`],
    negatives: [
      'SNYK_TOKEN=00000000-0000-0000-0000-000000000000',
      'SNYK_ORG_ID=0123abcd-4567-89ef-0123-456789abcdef',
      'request_id=0123abcd-4567-89ef-0123-456789abcdef'
    ]
  })
]
