import { BASE64URL, format, tokenRule } from './define.ts'
import { START_DASH } from './patterns.ts'

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
  })
]
