// The built-in rules whose blocks a chunk is not cut inside (open-block.ts carried), imported on their own: a
// collector process loads these four rule files, not the detector's 135 (app/registry.ts imports those for detector
// roles only), and `leakwatch scan` never loads them apart from its rules bundle (bin/rules-bundle.ts).
// open-block.test.ts holds the list to the built-in rules' carried ones.

import { carried } from './open-block.ts'
import type { Rule } from './rule.ts'
import { rules as jenkinsSetup } from './rules/jenkins-setup.ts'
import { rules as jwk } from './rules/jwk.ts'
import { rules as kubernetes } from './rules/kubernetes.ts'
import { rules as privateKey } from './rules/private-key.ts'

export const CARRIED_BUILTIN_RULES: readonly Rule[] = [...privateKey, ...jenkinsSetup, ...kubernetes, ...jwk].filter(carried)
