// Particle (particle.io) access tokens: 40 hex characters, which mean a token
// only in a request to Particle's cloud API (`access_token=` or a Bearer
// header on a line that names api.particle.io), as curl examples and device
// provisioning logs print them. Shape from Nosey Parker's np.particleio.1/2
// (Apache-2.0).

import { HEX, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'particle-access-token',
    title: 'Particle cloud access token',
    severity: 'high',
    token: HEX(40),
    keywords: ['particle.io'],
    regex: (t) => `(?:access_token=|(?i:authorization:)\\s*(?i:bearer)\\s+)(${t})(?:[^A-Za-z0-9]|$)`,
    minEntropy: 3.0,
    lines: [
      (s) => `+ curl -s https://api.particle.io/v1/devices -d access_token=${s}`,
      (s) => `GET https://api.particle.io/v1/devices/events?access_token=${s} 200`
    ],
    negatives: [
      `curl https://api.particle.io/v1/devices -d access_token=${'0'.repeat(40)}`,
      'https://api.particle.io/v1/devices?access_token=${PARTICLE_TOKEN}'
    ]
  })
]
