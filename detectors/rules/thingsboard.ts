import { BASE62, tokenRule } from './define.ts'

// ThingsBoard device access tokens: the device API puts them in the URL path
// (/api/v1/<token>/telemetry), so HTTP and CoAP access logs and device firmware logs carry them; and
// provisioning keys as "provisionDeviceKey". Tokens are 20 letters and digits (ThingsBoard's default
// generator). Anchored on ThingsBoard Cloud's host or the provisioning field; self-hosted
// instances' paths look like any other id in a URL.
//
// Provenance: Kingfisher's kingfisher.thingsboard.1 and .2 (github.com/mongodb/kingfisher,
// Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'thingsboard-access-token',
    title: 'ThingsBoard device access token or provisioning key',
    severity: 'high',
    token: BASE62(20),
    regex: (t) => `(?:(?i:thingsboard\\.cloud)/api/v1/|"provisionDeviceKey"\\s*:\\s*")(${t})(?:[^A-Za-z0-9_-]|$)`,
    keywords: ['thingsboard.cloud', 'provisiondevicekey'],
    minEntropy: 3.0,
    lines: [
      (s) => `10.2.0.7 - - [05/Jan/2026:09:00:00 +0000] "POST https://thingsboard.cloud/api/v1/${s}/telemetry HTTP/1.1" 200 0`,
      (s) => `{"deviceName":"sensor-7","provisionDeviceKey":"${s}","provisionDeviceSecret":"redacted"}`
    ],
    negatives: ['https://thingsboard.cloud/api/v1/ACCESS_TOKEN_HERE/telemetry', `https://thingsboard.cloud/api/v1/${'x'.repeat(20)}/telemetry`]
  })
]
