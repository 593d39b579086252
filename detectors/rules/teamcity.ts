// TeamCity access tokens: three dot-separated base64url parts like a JWT,
// whose first is always `{"typ": "TCV2"}` encoded (eyJ0eXAiOiAiVENWMiJ9),
// then 36 and 48 characters. Build agents, NuGet.config files and REST
// calls carry them; one acts as its user on every project it can see. Shape
// from Nosey Parker's np.teamcity.1 (Apache-2.0).

import { BASE64URL, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'teamcity-access-token',
    title: 'TeamCity access token',
    severity: 'high',
    token: format('eyJ0eXAiOiAiVENWMiJ9.', BASE64URL(36), '.', BASE64URL(48)),
    minEntropy: 4.0,
    lines: [(s) => `curl -H "Authorization: Bearer ${s}" https://teamcity.example.com/app/rest/builds`, (s) => `<add key="ClearTextPassword" value="${s}" />`],
    negatives: [`eyJ0eXAiOiAiVENWMiJ9.${'A'.repeat(36)}.${'A'.repeat(48)}`, 'eyJ0eXAiOiAiVENWMiJ9.<token>']
  })
]
