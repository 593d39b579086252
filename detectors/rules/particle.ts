import { BASE62, tokenRule } from './define.ts'

// Particle (particle.io) access tokens, 40 letters and digits, as curl sends them to the Device
// Cloud API (access_token= in the query or form body, or a Bearer header) and CI logs echo it. The
// line must name api.particle.io: a 40-character value alone is a commit hash as often as not.
//
// Provenance: Kingfisher's kingfisher.particleio.1 and .2 (github.com/mongodb/kingfisher,
// Apache-2.0); the regex is ours.
export const rules = [
  tokenRule({
    id: 'particle-access-token',
    title: 'Particle access token',
    severity: 'high',
    token: BASE62(40),
    regex: (t) => `(?:access_token=|[Bb]earer\\s+)(${t})(?:[^A-Za-z0-9_-]|$)`,
    keywords: ['api.particle.io'],
    minEntropy: 3.0,
    lines: [
      (s) => `+ curl https://api.particle.io/v1/devices -d access_token=${s}`,
      (s) => `curl -H "Authorization: Bearer ${s}" https://api.particle.io/v1/devices/events`,
      (s) => `GET https://api.particle.io/v1/devices?access_token=${s} 200 83ms`
    ],
    negatives: [
      `curl https://api.particle.io/v1/devices -d access_token=${'x'.repeat(40)}`,
      'curl https://api.particle.io/v1/devices -d access_token=$PARTICLE_TOKEN'
    ]
  })
]
