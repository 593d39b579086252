import { crc32 } from 'node:zlib'
import type { Rule } from '../rule.ts'
import { decodeJson, END, jsonBase64, START } from './patterns.ts'

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

export const rules: Rule[] = [
  {
    id: 'grafana-cloud-token',
    title: 'Grafana Cloud access policy token',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(glc_eyJ[A-Za-z0-9+/]{32,}={0,2})(?:[^A-Za-z0-9_+/=]|$)`,
    keywords: ['glc_'],
    validate: cloudClaimValid,
    examples: {
      positives: (g) => {
        const token = (): string => `glc_${jsonBase64({ o: g.digits(6), n: `stack-${g.digits(6)}-logs-write`, k: g.base62(32), m: { r: 'prod-us-east-0' } })}`
        const a = token()
        const b = token()
        return [
          { line: `GRAFANA_CLOUD_TOKEN=${a}`, secret: a },
          { line: `{"grafana_cloud":{"stack":"acme","token":"${b}"}}`, secret: b }
        ]
      },
      negatives: ['GRAFANA_CLOUD_TOKEN=glc_...', `glc_${jsonBase64({ note: 'this is not a grafana token at all' })}`]
    }
  },
  {
    id: 'grafana-service-account-token',
    title: 'Grafana service account token',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})${END}`,
    keywords: ['glsa_'],
    validate: grafanaServiceAccountValid,
    examples: {
      positives: (g) => {
        const token = (): string => {
          const head = `glsa_${g.base62(32)}`
          return `${head}_${serviceAccountChecksum(head)}`
        }
        const a = token()
        const b = token()
        return [
          { line: `GRAFANA_SERVICE_ACCOUNT_TOKEN=${a}`, secret: a },
          { line: `curl -H "Authorization: Bearer ${b}" http://grafana:3000/api/dashboards/db`, secret: b }
        ]
      },
      negatives: ['GRAFANA_TOKEN=glsa_xxx', `glsa_${'aB3d'.repeat(8)}_01234567`]
    }
  },
  {
    id: 'grafana-api-key',
    title: 'Grafana API key (legacy)',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(eyJrIjoi[A-Za-z0-9+/]{40,}={0,2})(?:[^A-Za-z0-9_+/=.]|$)`,
    keywords: ['eyjrijoi'],
    validate: apiKeyClaimValid,
    examples: {
      positives: (g) => {
        const secret = jsonBase64({ k: g.base62(32), n: 'ci-deployer', id: Number(g.digits(3)) + 1 })
        return [{ line: `grafana: {url: "https://grafana.acme.io", apiKey: "${secret}"}`, secret }]
      },
      negatives: [
        // A Power BI embed id: the same base64 prefix, a different claim.
        `https://app.powerbi.com/view?r=${jsonBase64({ k: '00000000-0000-0000-0000-000000000000', t: '11111111-1111-1111-1111-111111111111', c: 3 })}`
      ]
    }
  }
]
