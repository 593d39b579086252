import { crc32 } from 'node:zlib'
import type { Gen } from '../gen.ts'
import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'

// GitLab's token prefixes: https://docs.gitlab.com/security/tokens/#token-prefixes
//
// Since 17.x GitLab also issues "routable" tokens: prefix + base64url(random
// bytes + routing payload) + "." [+ "01." version] + 2 base36 characters
// (payload length) + 7 base36 characters of CRC-32 over everything before
// them, prefix included. The CRC makes a made-up value fail.

const ROUTABLE = '[0-9A-Za-z_-]{27,}\\.(?:01\\.)?[0-9a-z]{9}'
const B = '(?:^|[^A-Za-z0-9_-])'
const E = '(?:[^A-Za-z0-9_-]|$)'

/** Legacy bodies carry no checksum; a routable token must carry a correct CRC-32. */
export function gitlabRoutableValid(token: string): boolean {
  if (!token.includes('.')) return true
  return crc32(token.slice(0, -7)).toString(36).padStart(7, '0') === token.slice(-7)
}

/** A routable token as GitLab builds it, for examples. */
export function routableToken(g: Gen, prefix: string): string {
  const payload = g.chars(ALPHABETS.base64url, 38 + Number(g.digits(1)))
  const body = `${prefix}${payload}.01.${payload.length.toString(36).padStart(2, '0')}`
  return body + crc32(body).toString(36).padStart(7, '0')
}

interface Kind {
  id: string
  title: string
  severity: Rule['severity']
  /** RE2 source of the prefix. */
  prefix: string
  keyword: string
  /** RE2 source of the pre-routable body. */
  legacy: string
  /** Boundaries, when the token sits inside a larger identifier (an email address). */
  before?: string
  after?: string
  examples: Rule['examples']
}

/** One rule per token kind: the prefix, then either the legacy body or the routable form. */
function gitlab(k: Kind): Rule {
  return {
    id: k.id,
    title: k.title,
    severity: k.severity,
    kind: 'pattern',
    regex: `${k.before ?? B}(${k.prefix}(?:${ROUTABLE}|${k.legacy}))${k.after ?? E}`,
    keywords: [k.keyword],
    minEntropy: 3.0,
    validate: gitlabRoutableValid,
    examples: k.examples
  }
}

const b64u = ALPHABETS.base64url

export const rules: Rule[] = [
  gitlab({
    id: 'gitlab-pat',
    title: 'GitLab personal, project or group access token',
    severity: 'critical',
    prefix: 'glpat-',
    keyword: 'glpat-',
    legacy: '[0-9A-Za-z_-]{20}',
    examples: {
      positives: (g) => {
        const legacy = `glpat-${g.chars(b64u, 20)}`
        const routable = routableToken(g, 'glpat-')
        return [
          { line: `curl --header "PRIVATE-TOKEN: ${legacy}" https://gitlab.example.com/api/v4/projects`, secret: legacy },
          { line: `git remote add origin https://oauth2:${routable}@gitlab.com/acme/app.git`, secret: routable }
        ]
      },
      negatives: [
        'GITLAB_TOKEN=glpat-xxxxxxxxxxxxxxxxxxxx',
        `GITLAB_TOKEN=glpat-${'X'.repeat(11)}-${'X'.repeat(8)}`,
        'token: glpat-<your-token>',
        // Routable shape with a CRC that does not match.
        `token: glpat-${'abcdefghijklmnopqrstuvwxyz'}0123.01.1a0000000`
      ]
    }
  }),
  gitlab({
    id: 'gitlab-deploy-token',
    title: 'GitLab deploy token',
    severity: 'high',
    prefix: 'gldt-',
    keyword: 'gldt-',
    legacy: '[0-9A-Za-z_-]{20}',
    examples: {
      positives: (g) => {
        const secret = `gldt-${g.chars(b64u, 20)}`
        return [{ line: `docker login registry.gitlab.com -u gitlab+deploy-token-42 -p ${secret}`, secret }]
      },
      negatives: ['CI_DEPLOY_PASSWORD=gldt-xxxxxxxxxxxxxxxxxxxx', 'deploy tokens are prefixed gldt-']
    }
  }),
  gitlab({
    id: 'gitlab-runner-auth-token',
    title: 'GitLab runner authentication token',
    severity: 'high',
    prefix: 'glrtr?-(?:t[0-9]_)?',
    keyword: 'glrt',
    legacy: '[0-9A-Za-z_-]{20}',
    examples: {
      positives: (g) => {
        const legacy = `glrt-t1_${g.chars(b64u, 20)}`
        const routable = routableToken(g, 'glrtr-')
        return [
          { line: `  token = "${legacy}"`, secret: legacy },
          { line: `gitlab-runner register --non-interactive --url https://gitlab.com --token ${routable}`, secret: routable }
        ]
      },
      negatives: ['token = "glrt-xxxxxxxxxxxxxxxxxxxx"', 'runner tokens start with glrt- or glrtr-']
    }
  }),
  {
    id: 'gitlab-runner-registration-token',
    title: 'GitLab runner registration token (deprecated)',
    severity: 'high',
    kind: 'pattern',
    regex: `${B}(GR1348941[0-9A-Za-z_-]{20})${E}`,
    keywords: ['gr1348941'],
    minEntropy: 3.0,
    examples: {
      positives: (g) => {
        const secret = `GR1348941${g.chars(b64u, 20)}`
        return [{ line: `gitlab-runner register --registration-token "${secret}" --executor docker`, secret }]
      },
      negatives: ['GR134894112312312312312312312', 'GR1348941XXXXXXXXXXXXXXXXXXXX']
    }
  },
  gitlab({
    id: 'gitlab-ci-job-token',
    title: 'GitLab CI/CD job token',
    severity: 'medium',
    prefix: 'glcbt-',
    keyword: 'glcbt-',
    legacy: '[0-9A-Za-z]{1,5}_[0-9A-Za-z_-]{20}',
    examples: {
      positives: (g) => {
        const secret = `glcbt-${g.base62(2)}_${g.chars(b64u, 20)}`
        return [{ line: `$ curl --header "JOB-TOKEN: ${secret}" "$CI_API_V4_URL/projects/7/packages"`, secret }]
      },
      negatives: [`glcbt-64_${'x'.repeat(20)}`, 'the job token is prefixed glcbt-']
    }
  }),
  gitlab({
    id: 'gitlab-pipeline-trigger-token',
    title: 'GitLab pipeline trigger token',
    severity: 'high',
    prefix: 'glptt-',
    keyword: 'glptt-',
    legacy: '[0-9a-f]{40}',
    examples: {
      positives: (g) => {
        const secret = `glptt-${g.hex(40)}`
        return [{ line: `curl -X POST --fail -F token=${secret} -F ref=main https://gitlab.com/api/v4/projects/9/trigger/pipeline`, secret }]
      },
      negatives: [`glptt-${'x'.repeat(40)}`, `glptt-${'0'.repeat(40)}`]
    }
  }),
  gitlab({
    id: 'gitlab-scim-token',
    title: 'GitLab SCIM token',
    severity: 'high',
    prefix: 'glsoat-',
    keyword: 'glsoat-',
    legacy: '[0-9A-Za-z_-]{20}',
    examples: {
      positives: (g) => {
        const secret = `glsoat-${g.chars(b64u, 20)}`
        return [{ line: `{"scim":{"url":"https://gitlab.com/api/scim/v2/groups/acme","token":"${secret}"}}`, secret }]
      },
      negatives: ['SCIM_TOKEN=glsoat-xxxxxxxxxxxxxxxxxxxx']
    }
  }),
  gitlab({
    id: 'gitlab-feature-flag-client-token',
    title: 'GitLab feature flags client token',
    severity: 'medium',
    prefix: 'glffct-',
    keyword: 'glffct-',
    legacy: '[0-9A-Za-z_-]{20}',
    examples: {
      positives: (g) => {
        const secret = `glffct-${g.chars(b64u, 20)}`
        return [{ line: `UNLEASH_INSTANCE_ID=${secret}`, secret }]
      },
      negatives: ['UNLEASH_INSTANCE_ID=glffct-xxxxxxxxxxxxxxxxxxxx']
    }
  }),
  gitlab({
    id: 'gitlab-oauth-app-secret',
    title: 'GitLab OAuth application secret',
    severity: 'high',
    prefix: 'gloas-',
    keyword: 'gloas-',
    legacy: '[0-9A-Za-z_-]{64}',
    examples: {
      positives: (g) => {
        const secret = `gloas-${g.chars(b64u, 64)}`
        return [{ line: `OMNIAUTH_GITLAB_APP_SECRET: "${secret}"`, secret }]
      },
      negatives: [`app_secret: gloas-${'x'.repeat(64)}`]
    }
  }),
  gitlab({
    id: 'gitlab-feed-token',
    title: 'GitLab feed token',
    severity: 'medium',
    prefix: 'glft-',
    keyword: 'glft-',
    legacy: '[0-9A-Za-z_-]{20}',
    examples: {
      positives: (g) => {
        const secret = `glft-${g.chars(b64u, 20)}`
        return [{ line: `GET /dashboard/issues.atom?feed_token=${secret}&state=opened 200`, secret }]
      },
      negatives: ['feed_token=glft-xxxxxxxxxxxxxxxxxxxx']
    }
  }),
  gitlab({
    id: 'gitlab-incoming-mail-token',
    title: 'GitLab incoming email token',
    severity: 'medium',
    prefix: 'glimt-',
    keyword: 'glimt-',
    legacy: '[0-9A-Za-z_-]{25}',
    // The token is one dash-separated part of the project's incoming email address.
    before: '(?:^|[^A-Za-z0-9_])',
    after: '(?:[^A-Za-z0-9_]|$)',
    examples: {
      positives: (g) => {
        const secret = `glimt-${g.chars(b64u, 25)}`
        return [{ line: `forwarding to incoming+acme-app-12-${secret}-issue@incoming.gitlab.com`, secret }]
      },
      negatives: ['incoming+acme-app-12-glimt-xxxxxxxxxxxxxxxxxxxxxxxxx-issue@incoming.gitlab.com']
    }
  }),
  gitlab({
    id: 'gitlab-agent-token',
    title: 'GitLab agent for Kubernetes token',
    severity: 'high',
    prefix: 'glagent-',
    keyword: 'glagent-',
    legacy: '[0-9A-Za-z_-]{50}',
    examples: {
      positives: (g) => {
        const secret = `glagent-${g.chars(b64u, 50)}`
        return [{ line: `helm upgrade --install agent gitlab/gitlab-agent --set config.token=${secret}`, secret }]
      },
      negatives: ["Clusters::AgentToken.find_by_token('glagent-xxx')", `config.token=glagent-${'x'.repeat(50)}`]
    }
  }),
  {
    id: 'gitlab-session-cookie',
    title: 'GitLab session cookie',
    severity: 'high',
    kind: 'pattern',
    regex: '(?:^|[^A-Za-z0-9_])_gitlab_session=([0-9a-z]{32})(?:[^A-Za-z0-9]|$)',
    keywords: ['_gitlab_session='],
    // A random 32-hex session id is under 3.0 one time in 10,000; only placeholders are under 2.5.
    minEntropy: 2.5,
    examples: {
      positives: (g) => {
        const secret = g.hex(32)
        return [{ line: `Cookie: _gitlab_session=${secret}; preferred_language=en`, secret }]
      },
      negatives: [`Cookie: _gitlab_session=${'0'.repeat(32)}`, 'Set-Cookie: _gitlab_session=deleted; expires=Thu, 01 Jan 1970 00:00:00 GMT']
    }
  }
]
