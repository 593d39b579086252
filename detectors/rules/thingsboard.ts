// ThingsBoard device access tokens: a device publishes telemetry to
// `/api/v1/<access token>/telemetry` (HTTP and CoAP), so an access log or a
// device's debug output carries the token in the path. On ThingsBoard Cloud
// the host names it; self-hosted servers are recognised by the path's
// telemetry or attributes endpoint. Shape from Nosey Parker's np.thingsboard.1
// (Apache-2.0) and ThingsBoard's device API.

import { ALPHABETS } from '../gen.ts'
import { charset, tokenRule } from './define.ts'

const TOKEN = charset('A-Za-z0-9', ALPHABETS.alnumLower)

export const rules = [
  tokenRule({
    id: 'thingsboard-device-token',
    title: 'ThingsBoard device access token',
    severity: 'medium',
    token: TOKEN(20),
    keywords: ['thingsboard'],
    regex: (t) => `(?i:thingsboard)[\\w.-]*(?::[0-9]{1,5})?/api/v1/(${t})(?:/|[^A-Za-z0-9]|$)`,
    // 20 random characters are under 2.5 less than one time in a million.
    minEntropy: 2.5,
    lines: [
      (s) => `POST https://thingsboard.cloud/api/v1/${s}/telemetry 200`,
      (s) => `coap://coap.thingsboard.cloud/api/v1/${s}/attributes`,
      (s) => `10.1.4.7 - - [12/Mar/2026:10:01:02 +0000] "POST http://thingsboard.corp.example:8080/api/v1/${s}/telemetry HTTP/1.1" 200 0`
    ],
    negatives: [
      `https://thingsboard.cloud/api/v1/${'a'.repeat(20)}/telemetry`,
      'https://thingsboard.cloud/api/v1/$ACCESS_TOKEN/telemetry',
      'https://thingsboard.io/docs/'
    ]
  })
]
