import { madeUpValue } from '../gates.ts'
import { ALPHABETS } from '../gen.ts'
import { BASE64URL, charset, format, tokenRule } from './define.ts'
import { START_DASH } from './patterns.ts'

// Swarm's join token: SWMTKN-1-, the swarm's root CA digest in base 36 (50), '-', and the secret in base 36 (25);
// who holds it joins the swarm as a worker or a manager (`docker swarm join --token`, which provisioning and CI
// logs echo). The unlock key of an autolocked swarm: SWMKEY-1- then 43 of base64, the key that decrypts the
// managers' Raft logs. Layouts from moby's swarmkit (ca/config.go, manager/encryption) as CredSweeper's
// "Docker Swarm Token" and "Docker Swarm Key" rules state them (github.com/Samsung/CredSweeper, MIT).
const BASE36 = charset('0-9a-z', ALPHABETS.alnumLower)

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
    title: 'Docker Swarm join token (SWMTKN-1-)',
    severity: 'critical',
    token: format('SWMTKN-1-', BASE36(50), '-', BASE36(25)),
    before: START_DASH,
    minEntropy: 3.0,
    // Documentation writes its own (…ExampleKeyTestOnly…; CredSweeper's samples): a made-up value's word or run.
    validate: (s) => !madeUpValue(s),
    lines: [
      (s) => `+ docker swarm join --token ${s} 10.0.0.11:2377`,
      (s) => `{"level":"info","msg":"joining swarm","cmd":"docker swarm join --token ${s} manager-0:2377"}`
    ],
    negatives: ['docker swarm join --token SWMTKN-1-<token> 10.0.0.11:2377', `SWMTKN-1-${'0'.repeat(50)}-${'0'.repeat(25)}`]
  }),
  tokenRule({
    id: 'docker-swarm-unlock-key',
    title: 'Docker Swarm unlock key (SWMKEY-1-)',
    severity: 'high',
    token: format('SWMKEY-1-', charset('A-Za-z0-9+/', ALPHABETS.base64)(43)),
    before: START_DASH,
    after: '(?:[^A-Za-z0-9+/=_-]|$)',
    minEntropy: 3.5,
    validate: (s) => !madeUpValue(s),
    lines: [(s) => `To unlock a swarm manager after it restarts, run \`docker swarm unlock\` and provide the key: ${s}`, (s) => `SWARM_UNLOCK_KEY=${s}`],
    negatives: [`SWMKEY-1-${'A'.repeat(43)}`, 'SWMKEY-1-<unlock-key>', 'SWMKEY-1-7c37Cc8654o6pExampleKeyTestOnlytbdZEgtKxZu8']
  })
]
