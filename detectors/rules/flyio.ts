import type { Gen } from '../gen.ts'
import { ALPHABETS } from '../gen.ts'
import { BASE64URL, format, re, tokenRule } from './define.ts'

// Fly.io tokens: fo1_ OAuth-style tokens, and the macaroon tokens `fly tokens create` prints and
// FLY_API_TOKEN holds, `FlyV1 fm2_…` (fm1r_ and fm1a_ before them): base64 macaroons of 100 or more
// characters, several joined by commas. Layout from gitleaks' flyio-access-token (MIT); the regex is ours.

const MACAROON = re('fm(?:1[ar]|2)_[A-Za-z0-9+/]{100,}={0,3}', (g: Gen) => `fm2_${g.chars(`${ALPHABETS.base62}+/`, 180 + Number(g.digits(2)))}`)

export const rules = [
  tokenRule({
    id: 'flyio-access-token',
    title: 'Fly.io access token',
    severity: 'high',
    token: format('fo1_', BASE64URL(43)),
    minEntropy: 3.5,
    lines: [(s) => `FLY_API_TOKEN=${s}`, (s) => `+ flyctl deploy --access-token ${s}`],
    negatives: ['fo1_...', `fo1_${'x'.repeat(43)}`]
  }),
  tokenRule({
    id: 'flyio-macaroon-token',
    title: 'Fly.io macaroon token (FlyV1 fm2_, fm1r_, fm1a_)',
    severity: 'high',
    token: MACAROON,
    keywords: ['fm2_', 'fm1r_', 'fm1a_'],
    before: '(?:^|[^A-Za-z0-9_+/])',
    after: '(?:[^A-Za-z0-9_+/=]|$)',
    minEntropy: 4.0,
    lines: [(s) => `FLY_API_TOKEN="FlyV1 ${s}"`, (s) => `{"level":"debug","msg":"fly client","BindToParentToken":"FlyV1 ${s}"}`],
    negatives: [`FLY_API_TOKEN="FlyV1 fm2_${'A'.repeat(120)}"`, 'FLY_API_TOKEN="FlyV1 fm2_…"']
  })
]
