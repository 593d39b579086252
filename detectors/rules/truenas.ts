// TrueNAS API keys: `<key id>-<64 letters and digits>`, sent to the
// middleware's `auth.login_with_api_key` over its WebSocket, which client and
// middleware debug logs print. Format from Nosey Parker's np.truenas.1
// (Apache-2.0).

import { BASE62, DIGITS, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'truenas-api-key',
    title: 'TrueNAS API key',
    severity: 'high',
    token: format(DIGITS.between(1, 6, 2), '-', BASE62(64)),
    // The method that takes the key, or the product's name next to it.
    keywords: ['login_with_api_key', 'truenas'],
    before: '(?:^|[^A-Za-z0-9-])',
    minEntropy: 4.0,
    lines: [
      (s) => `{"id":"6841f242-840a-11e6-a437-00e04d680384","msg":"method","method":"auth.login_with_api_key","params":["${s}"]}`,
      (s) => `truenas-csi: using api key ${s} for nas01.corp.example`
    ],
    negatives: [`{"msg":"method","method":"auth.login_with_api_key","params":["1-${'x'.repeat(64)}"]}`, 'auth.login_with_api_key failed: invalid key']
  })
]
