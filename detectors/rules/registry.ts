// The built-in rules, one import per provider file, alphabetical. No
// discovery, no side effects: what runs is what is listed here.

import type { Rule } from '../rule.ts'
import { rules as aws } from './aws.ts'
import { rules as azure } from './azure.ts'
import { rules as bitbucket } from './bitbucket.ts'
import { rules as buildkite } from './buildkite.ts'
import { rules as circleci } from './circleci.ts'
import { rules as database } from './database.ts'
import { rules as docker } from './docker.ts'
import { rules as gcp } from './gcp.ts'
import { rules as generic } from './generic.ts'
import { rules as github } from './github.ts'
import { rules as gitlab } from './gitlab.ts'
import { rules as http } from './http.ts'
import { rules as jfrog } from './jfrog.ts'
import { rules as jwt } from './jwt.ts'
import { rules as netrc } from './netrc.ts'
import { rules as npm } from './npm.ts'
import { rules as nuget } from './nuget.ts'
import { rules as privateKey } from './private-key.ts'
import { rules as pypi } from './pypi.ts'
import { rules as rubygems } from './rubygems.ts'
import { rules as slack } from './slack.ts'
import { rules as terraform } from './terraform.ts'
import { rules as url } from './url.ts'

export const BUILTIN_RULES: readonly Rule[] = [
  ...aws,
  ...azure,
  ...bitbucket,
  ...buildkite,
  ...circleci,
  ...database,
  ...docker,
  ...gcp,
  ...generic,
  ...github,
  ...gitlab,
  ...http,
  ...jfrog,
  ...jwt,
  ...netrc,
  ...npm,
  ...nuget,
  ...privateKey,
  ...pypi,
  ...rubygems,
  ...slack,
  ...terraform,
  ...url
]
