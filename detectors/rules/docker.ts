import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'

const b64u = ALPHABETS.base64url

export const rules: Rule[] = [
  {
    id: 'docker-hub-pat',
    title: 'Docker Hub personal access token',
    severity: 'high',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9_-])(dckr_pat_[A-Za-z0-9_-]{27})(?:[^A-Za-z0-9_-]|$)',
    keywords: ['dckr_pat_'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const a = `dckr_pat_${g.chars(b64u, 27)}`
        const b = `dckr_pat_${g.chars(b64u, 27)}`
        return [
          { line: `echo ${a} | docker login -u acme-ci --password-stdin`, secret: a },
          { line: `DOCKERHUB_TOKEN: "${b}"`, secret: b }
        ]
      },
      negatives: [`DOCKERHUB_TOKEN=dckr_pat_${'x'.repeat(27)}`, 'DOCKERHUB_TOKEN=dckr_pat_<token>', 'tokens start with dckr_pat_']
    }
  },
  {
    id: 'docker-hub-org-access-token',
    title: 'Docker Hub organization access token',
    severity: 'high',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9_-])(dckr_oat_[A-Za-z0-9_-]{32})(?:[^A-Za-z0-9_-]|$)',
    keywords: ['dckr_oat_'],
    minEntropy: 3.5,
    examples: {
      positives: (g) => {
        const secret = `dckr_oat_${g.chars(b64u, 32)}`
        return [{ line: `docker login -u acme -p ${secret} docker.io`, secret }]
      },
      negatives: ['DOCKER_API_TOKEN_CLOUD=dckr_oat_...', `dckr_oat_${'0'.repeat(32)}`]
    }
  }
]
