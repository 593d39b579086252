// Configuration of CI owner routing (`responder.ciOwners`): where a secret
// leaked in a CI job's log is posted when no `responder.slack.routes` entry
// matches it. Kept apart so the schema loads no responder code.

import type { Infer } from '../pipeline/schema.ts'
import * as s from '../pipeline/schema.ts'

export const ciOwnersConfigSchema = s.object({
  routes: s.array(
    s.object({
      repository: s.string({
        minLength: 1,
        description: 'Glob on the repository (`owner/name`, GitLab `group/sub/project`): `*` within a segment, `**` across segments.'
      }),
      channel: s.string({ description: 'Slack channel id of this repository’s owners.' }),
      owner: s.optional(s.string({ description: 'Owning team shown on the message (e.g. `@payments-oncall`).' }))
    }),
    { default: [], description: 'Owners of repositories by glob, first match wins: `{repository, channel, owner}`.' }
  ),
  codeowners: s.boolean({
    default: false,
    description:
      'When no route matches, read the repository’s CODEOWNERS (`.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS`) and take the owners of the CI file (`.gitlab-ci.yml`, `.github/workflows/`) or else of `*`.'
  }),
  teamChannels: s.array(
    s.object({
      owner: s.string({ minLength: 1, description: 'A CODEOWNERS owner as written there: `@org/team`, `@user` or an e-mail address.' }),
      channel: s.string({ description: 'Slack channel id of that owner.' })
    }),
    {
      default: [],
      description: 'Slack channel of CODEOWNERS owners: `{owner, channel}`; an owner without one is named on the message in `slack.defaultChannel`.'
    }
  ),
  github: s.object({
    apiUrl: s.string({
      default: 'https://api.github.com',
      pattern: /^https?:\/\//,
      description: 'GitHub REST API base URL (GitHub Enterprise Server: https://<host>/api/v3).'
    }),
    tokenFile: s.optional(s.string({ description: 'File holding a GitHub token with read access to the repositories’ contents.' }))
  }),
  gitlab: s.object({
    url: s.string({ default: 'https://gitlab.com', pattern: /^https?:\/\//, description: 'Base URL of GitLab (self-managed: your instance).' }),
    tokenFile: s.optional(s.string({ description: 'File holding a GitLab token with read_repository (sent as PRIVATE-TOKEN).' }))
  }),
  cacheMs: s.number({
    integer: true,
    min: 0,
    default: 60 * 60 * 1000,
    description: 'How long a repository’s CODEOWNERS (or its absence) is kept before it is read again.'
  }),
  timeoutMs: s.number({ integer: true, min: 100, default: 10_000, description: 'Timeout of one CODEOWNERS request.' })
})

export type CiOwnersConfig = Infer<typeof ciOwnersConfigSchema>
