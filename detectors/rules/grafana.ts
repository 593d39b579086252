import { crc32 } from '../crc32.ts'
import { BASE62, checksummed, drawnBy, format, re, tokenRule } from './define.ts'
import { decodeJson, jsonBase64 } from './patterns.ts'

// glc_ Grafana Cloud access policy tokens and legacy eyJrIjoi API keys are
// base64 JSON ({"o","n","k",...} and {"k","n","id"}): decoding them rejects
// other base64 that happens to share the prefix (Power BI embeds
// eyJrIjoi… report ids in URLs). glsa_ service account tokens end in the
// CRC32 of "glsa_<random>", as the little-endian hex of its four bytes.
function cloudClaimValid(token: string): boolean {
  const claim = decodeJson(token.slice('glc_'.length))
  return claim !== undefined && typeof claim.o === 'string' && typeof claim.k === 'string'
}

function apiKeyClaimValid(token: string): boolean {
  const claim = decodeJson(token)
  return claim !== undefined && typeof claim.k === 'string' && typeof claim.n === 'string' && typeof claim.id === 'number'
}

function serviceAccountChecksum(prefixAndRandom: string): string {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(crc32(prefixAndRandom))
  return b.toString('hex')
}

export function grafanaServiceAccountValid(token: string): boolean {
  const sep = token.lastIndexOf('_')
  return serviceAccountChecksum(token.slice(0, sep)) === token.slice(sep + 1).toLowerCase()
}

export const rules = [
  tokenRule({
    id: 'grafana-cloud-token',
    title: 'Grafana Cloud access policy token',
    severity: 'high',
    token: drawnBy(
      format('glc_eyJ', re('[A-Za-z0-9+/]{32,}={0,2}')),
      (g) => `glc_${jsonBase64({ o: g.digits(6), n: `stack-${g.digits(6)}-logs-write`, k: g.base62(32), m: { r: 'prod-us-east-0' } })}`
    ),
    keywords: ['glc_'],
    after: '(?:[^A-Za-z0-9_+/=]|$)',
    validate: cloudClaimValid,
    lines: [(s) => `GRAFANA_CLOUD_TOKEN=${s}`, (s) => `{"grafana_cloud":{"stack":"acme","token":"${s}"}}`],
    negatives: ['GRAFANA_CLOUD_TOKEN=glc_...', `glc_${jsonBase64({ note: 'this is not a grafana token at all' })}`]
  }),
  tokenRule({
    id: 'grafana-service-account-token',
    title: 'Grafana service account token',
    severity: 'high',
    token: checksummed(format('glsa_', BASE62(32)), '_[A-Fa-f0-9]{8}', (head) => `_${serviceAccountChecksum(head)}`),
    validate: grafanaServiceAccountValid,
    lines: [(s) => `GRAFANA_SERVICE_ACCOUNT_TOKEN=${s}`, (s) => `curl -H "Authorization: Bearer ${s}" http://grafana:3000/api/dashboards/db`],
    negatives: ['GRAFANA_TOKEN=glsa_xxx', `glsa_${'aB3d'.repeat(8)}_01234567`]
  }),
  tokenRule({
    id: 'grafana-api-key',
    title: 'Grafana API key (legacy)',
    severity: 'high',
    token: drawnBy(format('eyJrIjoi', re('[A-Za-z0-9+/]{40,}={0,2}')), (g) => jsonBase64({ k: g.base62(32), n: 'ci-deployer', id: Number(g.digits(3)) + 1 })),
    after: '(?:[^A-Za-z0-9_+/=.]|$)',
    validate: apiKeyClaimValid,
    lines: [(s) => `grafana: {url: "https://grafana.acme.io", apiKey: "${s}"}`],
    negatives: [
      // A Power BI embed id: the same base64 prefix, a different claim.
      `https://app.powerbi.com/view?r=${jsonBase64({ k: '00000000-0000-0000-0000-000000000000', t: '11111111-1111-1111-1111-111111111111', c: 3 })}`
    ]
  })
]
