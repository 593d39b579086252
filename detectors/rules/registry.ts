// The built-in rules, one import per provider file, alphabetical. No
// discovery, no side effects: what runs is what is listed here.

import type { Rule } from '../rule.ts'
import { rules as aws } from './aws.ts'
import { rules as generic } from './generic.ts'
import { rules as github } from './github.ts'
import { rules as privateKey } from './private-key.ts'
import { rules as slack } from './slack.ts'

export const BUILTIN_RULES: readonly Rule[] = [...aws, ...generic, ...github, ...privateKey, ...slack]
