import { madeUpValue } from '../gates.ts'
import { ALPHABETS } from '../gen.ts'
import { BASE64URL, charset, format, re, tokenRule } from './define.ts'
import { START_DASH } from './patterns.ts'

// Swarm's join token: SWMTKN-1- (or the FIPS form SWMTKN-2-0- / SWMTKN-2-1-), the swarm's root CA certificate
// digest, '-', and the secret; who holds it joins the swarm as a worker or a manager (`docker swarm join --token`,
// which provisioning and CI logs echo). Both parts are numbers written in base 36 and zero-padded: the digest a
// SHA-256 (below 2^256, 50 digits), the secret 16 random bytes (below 2^128, 25 digits), swarmkit's ca/config.go
// constants base36DigestLen and maxGeneratedSecretLength. A made-up token overflows them: the digits of
// documentation's leetspeak (`7here4ar3not7he7oken…`) or CredSweeper's own sample read as numbers of 2^258 and up.
// The unlock key of an autolocked swarm: SWMKEY-1- then 43 of base64, the key that decrypts the managers' Raft
// logs. Formats also as CredSweeper's "Docker Swarm Token" and "Docker Swarm Key" rules state them
// (github.com/Samsung/CredSweeper, MIT).
const base36 = (digits: string): bigint => {
  let n = 0n
  for (const c of digits) n = n * 36n + BigInt(Number.parseInt(c, 36))
  return n
}

/** The digest part below 2^256 and the secret part below 2^128. */
export function swarmJoinTokenValid(token: string): boolean {
  const parts = token.split('-')
  const secret = parts[parts.length - 1] ?? ''
  const digest = parts[parts.length - 2] ?? ''
  return base36(digest) < 1n << 256n && base36(secret) < 1n << 128n
}

const JOIN_TOKEN = format(
  'SWMTKN-',
  re('(?:1|2-[01])-[0-9a-z]{50}-[0-9a-z]{25}', (g) => {
    const version = g.digits(1) < '7' ? '1' : `2-${g.chars('01', 1)}`
    const digest = BigInt(`0x${g.hex(64)}`)
      .toString(36)
      .padStart(50, '0')
    const secret = BigInt(`0x${g.hex(32)}`)
      .toString(36)
      .padStart(25, '0')
    return `${version}-${digest}-${secret}`
  })
)

export const rules = [
  tokenRule({
    id: 'docker-hub-pat',
    title: 'Docker Hub personal access token',
    severity: 'high',
    token: format('dckr_pat_', BASE64URL(27)),
    before: START_DASH,
    minEntropy: 3.5,
    lines: [(s) => `echo ${s} | docker login -u acme-ci --password-stdin`, (s) => `DOCKERHUB_TOKEN: "${s}"`],
    negatives: [`DOCKERHUB_TOKEN=dckr_pat_${'x'.repeat(27)}`, 'DOCKERHUB_TOKEN=dckr_pat_<token>', 'tokens start with dckr_pat_']
  }),
  tokenRule({
    id: 'docker-hub-org-access-token',
    title: 'Docker Hub organization access token',
    severity: 'high',
    token: format('dckr_oat_', BASE64URL(32)),
    before: START_DASH,
    minEntropy: 3.5,
    lines: [(s) => `docker login -u acme -p ${s} docker.io`],
    negatives: ['DOCKER_API_TOKEN_CLOUD=dckr_oat_...', `dckr_oat_${'0'.repeat(32)}`]
  }),
  tokenRule({
    id: 'docker-swarm-join-token',
    title: 'Docker Swarm join token (SWMTKN-)',
    severity: 'critical',
    token: JOIN_TOKEN,
    before: START_DASH,
    minEntropy: 3.0,
    validate: swarmJoinTokenValid,
    lines: [
      (s) => `+ docker swarm join --token ${s} 10.0.0.11:2377`,
      (s) => `{"level":"info","msg":"joining swarm","cmd":"docker swarm join --token ${s} manager-0:2377"}`
    ],
    negatives: [
      'docker swarm join --token SWMTKN-1-<token> 10.0.0.11:2377',
      `SWMTKN-1-${'0'.repeat(50)}-${'0'.repeat(25)}`,
      // Digits past 2^256: a digest no SHA-256 has (the leetspeak of a documentation decoy).
      `SWMTKN-1-${'7here4ar3not7he7oken5you4re1ooking4or1sampl'.padEnd(50, 'z')}-${'3k9x2m7q1w8e5r4t6y0u2i9o1'}`
    ]
  }),
  tokenRule({
    id: 'docker-swarm-unlock-key',
    title: 'Docker Swarm unlock key (SWMKEY-1-)',
    severity: 'high',
    token: format('SWMKEY-1-', charset('A-Za-z0-9+/', ALPHABETS.base64)(43)),
    before: START_DASH,
    after: '(?:[^A-Za-z0-9+/=_-]|$)',
    minEntropy: 3.5,
    // Documentation writes its own (…ExampleKeyTestOnly…; CredSweeper's samples): a made-up value's word or run.
    validate: (s) => !madeUpValue(s),
    lines: [(s) => `To unlock a swarm manager after it restarts, run \`docker swarm unlock\` and provide the key: ${s}`, (s) => `SWARM_UNLOCK_KEY=${s}`],
    negatives: [`SWMKEY-1-${'A'.repeat(43)}`, 'SWMKEY-1-<unlock-key>', 'SWMKEY-1-7c37Cc8654o6pExampleKeyTestOnlytbdZEgtKxZu8']
  })
]
