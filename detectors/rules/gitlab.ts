import { crc32 } from '../crc32.ts'
import type { Gen } from '../gen.ts'
import { ALPHABETS } from '../gen.ts'
import type { Rule } from '../rule.ts'
import { BASE64URL_DIGITS_FIRST, charset, type Format, format, type TokenSpec, tokenRule } from './define.ts'
import { END, END_ALNUM, START, START_DASH } from './patterns.ts'

// GitLab's token prefixes: https://docs.gitlab.com/security/tokens/#token-prefixes
//
// Since 17.x GitLab also issues "routable" tokens: prefix + base64url(random
// bytes + routing payload) + "." [+ "01." version] + 2 base36 characters
// (payload length) + 7 base36 characters of CRC-32 over everything before
// them, prefix included. The CRC makes a made-up value fail.

const ROUTABLE = '[0-9A-Za-z_-]{27,}\\.(?:01\\.)?[0-9a-z]{9}'

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

type Kind = Pick<TokenSpec, 'id' | 'title' | 'severity' | 'before' | 'after' | 'lines' | 'positives' | 'negatives'> & {
  /** RE2 source of the prefix. */
  prefix: string
  /** Also the literal prefix of the examples drawn for `lines`. */
  keyword: string
  /** The pre-routable body. */
  legacy: Format
}

/** One rule per token kind: the prefix, then either the legacy body or the routable form. */
function gitlab({ prefix, keyword, legacy, ...k }: Kind): Rule {
  return tokenRule({
    ...k,
    token: { regex: `${prefix}(?:${ROUTABLE}|${legacy.regex})`, make: (g) => keyword + legacy.make(g), prefix: keyword, dash: true },
    before: k.before ?? START_DASH,
    minEntropy: 3.0,
    validate: gitlabRoutableValid
  })
}

const B64U = BASE64URL_DIGITS_FIRST

export const rules: Rule[] = [
  gitlab({
    id: 'gitlab-pat',
    title: 'GitLab personal, project or group access token',
    severity: 'critical',
    prefix: 'glpat-',
    keyword: 'glpat-',
    legacy: B64U(20),
    positives: (g) => {
      const legacy = `glpat-${g.chars(ALPHABETS.base64url, 20)}`
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
  }),
  gitlab({
    id: 'gitlab-deploy-token',
    title: 'GitLab deploy token',
    severity: 'high',
    prefix: 'gldt-',
    keyword: 'gldt-',
    legacy: B64U(20),
    lines: [(s) => `docker login registry.gitlab.com -u gitlab+deploy-token-42 -p ${s}`],
    negatives: ['CI_DEPLOY_PASSWORD=gldt-xxxxxxxxxxxxxxxxxxxx', 'deploy tokens are prefixed gldt-']
  }),
  gitlab({
    id: 'gitlab-runner-auth-token',
    title: 'GitLab runner authentication token',
    severity: 'high',
    prefix: 'glrtr?-(?:t[0-9]_)?',
    keyword: 'glrt',
    legacy: B64U(20),
    positives: (g) => {
      const legacy = `glrt-t1_${g.chars(ALPHABETS.base64url, 20)}`
      const routable = routableToken(g, 'glrtr-')
      return [
        { line: `  token = "${legacy}"`, secret: legacy },
        { line: `gitlab-runner register --non-interactive --url https://gitlab.com --token ${routable}`, secret: routable }
      ]
    },
    negatives: ['token = "glrt-xxxxxxxxxxxxxxxxxxxx"', 'runner tokens start with glrt- or glrtr-']
  }),
  tokenRule({
    id: 'gitlab-runner-registration-token',
    title: 'GitLab runner registration token (deprecated)',
    severity: 'high',
    token: format('GR1348941', B64U(20)),
    before: START_DASH,
    minEntropy: 3.0,
    lines: [(s) => `gitlab-runner register --registration-token "${s}" --executor docker`],
    negatives: ['GR134894112312312312312312312', 'GR1348941XXXXXXXXXXXXXXXXXXXX']
  }),
  gitlab({
    id: 'gitlab-ci-job-token',
    title: 'GitLab CI/CD job token',
    severity: 'medium',
    prefix: 'glcbt-',
    keyword: 'glcbt-',
    legacy: format(charset('0-9A-Za-z', ALPHABETS.base62).between(1, 5, 2), '_', B64U(20)),
    lines: [(s) => `$ curl --header "JOB-TOKEN: ${s}" "$CI_API_V4_URL/projects/7/packages"`],
    negatives: [`glcbt-64_${'x'.repeat(20)}`, 'the job token is prefixed glcbt-']
  }),
  gitlab({
    id: 'gitlab-pipeline-trigger-token',
    title: 'GitLab pipeline trigger token',
    severity: 'high',
    prefix: 'glptt-',
    keyword: 'glptt-',
    legacy: charset('0-9a-f', ALPHABETS.hex)(40),
    lines: [(s) => `curl -X POST --fail -F token=${s} -F ref=main https://gitlab.com/api/v4/projects/9/trigger/pipeline`],
    negatives: [`glptt-${'x'.repeat(40)}`, `glptt-${'0'.repeat(40)}`]
  }),
  gitlab({
    id: 'gitlab-scim-token',
    title: 'GitLab SCIM token',
    severity: 'high',
    prefix: 'glsoat-',
    keyword: 'glsoat-',
    legacy: B64U(20),
    lines: [(s) => `{"scim":{"url":"https://gitlab.com/api/scim/v2/groups/acme","token":"${s}"}}`],
    negatives: ['SCIM_TOKEN=glsoat-xxxxxxxxxxxxxxxxxxxx']
  }),
  gitlab({
    id: 'gitlab-feature-flag-client-token',
    title: 'GitLab feature flags client token',
    severity: 'medium',
    prefix: 'glffct-',
    keyword: 'glffct-',
    legacy: B64U(20),
    lines: [(s) => `UNLEASH_INSTANCE_ID=${s}`],
    negatives: ['UNLEASH_INSTANCE_ID=glffct-xxxxxxxxxxxxxxxxxxxx']
  }),
  gitlab({
    id: 'gitlab-oauth-app-secret',
    title: 'GitLab OAuth application secret',
    severity: 'high',
    prefix: 'gloas-',
    keyword: 'gloas-',
    legacy: B64U(64),
    lines: [(s) => `OMNIAUTH_GITLAB_APP_SECRET: "${s}"`],
    negatives: [`app_secret: gloas-${'x'.repeat(64)}`]
  }),
  gitlab({
    id: 'gitlab-feed-token',
    title: 'GitLab feed token',
    severity: 'medium',
    prefix: 'glft-',
    keyword: 'glft-',
    legacy: B64U(20),
    lines: [(s) => `GET /dashboard/issues.atom?feed_token=${s}&state=opened 200`],
    negatives: ['feed_token=glft-xxxxxxxxxxxxxxxxxxxx']
  }),
  gitlab({
    id: 'gitlab-incoming-mail-token',
    title: 'GitLab incoming email token',
    severity: 'medium',
    prefix: 'glimt-',
    keyword: 'glimt-',
    legacy: B64U(25),
    // The token is one dash-separated part of the project's incoming email address.
    before: START,
    after: END,
    lines: [(s) => `forwarding to incoming+acme-app-12-${s}-issue@incoming.gitlab.com`],
    negatives: ['incoming+acme-app-12-glimt-xxxxxxxxxxxxxxxxxxxxxxxxx-issue@incoming.gitlab.com']
  }),
  gitlab({
    id: 'gitlab-agent-token',
    title: 'GitLab agent for Kubernetes token',
    severity: 'high',
    prefix: 'glagent-',
    keyword: 'glagent-',
    legacy: B64U(50),
    lines: [(s) => `helm upgrade --install agent gitlab/gitlab-agent --set config.token=${s}`],
    negatives: ["Clusters::AgentToken.find_by_token('glagent-xxx')", `config.token=glagent-${'x'.repeat(50)}`]
  }),
  tokenRule({
    id: 'gitlab-session-cookie',
    title: 'GitLab session cookie',
    severity: 'high',
    token: charset('0-9a-z', ALPHABETS.hex)(32),
    regex: (t) => `${START}_gitlab_session=(${t})${END_ALNUM}`,
    keywords: ['_gitlab_session='],
    // A random 32-hex session id is under 3.0 one time in 10,000; only placeholders are under 2.5.
    minEntropy: 2.5,
    lines: [(s) => `Cookie: _gitlab_session=${s}; preferred_language=en`],
    negatives: [`Cookie: _gitlab_session=${'0'.repeat(32)}`, 'Set-Cookie: _gitlab_session=deleted; expires=Thu, 01 Jan 1970 00:00:00 GMT']
  })
]
