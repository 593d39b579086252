// Configuration of the detector role (`detector`): the secret rules' settings, fingerprints,
// sealing for revocation, allowlists, the known-secrets index mounted at `knownSecrets` and the
// access detector at `access`.
// Kept out of the engine so that assembling the whole schema loads no rules.

import type { Infer } from '../pipeline/schema.ts'
import * as s from '../pipeline/schema.ts'
import { accessConfigSchema } from './access/config.ts'
import { knownSecretsConfigSchema } from './known-secrets/config.ts'

export const detectorConfigSchema = s.object({
  groupId: s.string({ default: 'leakwatch-detector', description: 'Kafka consumer group of the detector role.' }),
  fingerprintKey: s.optional(
    s.string({
      minLength: 32,
      description:
        'Key of the HMAC-SHA256 fingerprints (32+ characters). Required for `run detector`; without it `scan` and `run all` use a random per-process key, so fingerprints do not match across runs.'
    })
  ),
  maxContextChars: s.number({ integer: true, min: 40, default: 240, description: 'Masked context kept around a finding.' }),
  maxFindingsPerLine: s.number({
    integer: true,
    min: 1,
    default: 1000,
    description:
      "Findings one rule makes on one line (a value read raw and decoded counts twice; the known-secret look-up counts as one rule). Past it the rule's further matches on the line are masked in every context but not reported, the other rules still run, and leakwatch_detector_limits_total counts the line."
  }),
  sealPublicKey: s.optional(
    s.string({
      description:
        "PEM public key (X25519 or RSA 2048+) of the responder: findings of `sealRules` carry the secret sealed to it, for revocation APIs that need the value (GitHub's). Unset = nothing is sealed."
    })
  ),
  sealRules: s.string({
    default: '^github-',
    description: 'Regular expression on rule ids whose findings carry the sealed secret (when `sealPublicKey` is set).'
  }),
  allow: s.object({
    secrets: s.array(s.string(), {
      default: [],
      description: 'RE2 patterns; a secret matching one is not a finding (known test values). In the environment, a JSON array when a pattern holds a comma.'
    }),
    lines: s.array(s.string(), {
      default: [],
      description:
        'RE2 patterns; no finding on a line matching one. (Inline, a line accepts one secret with `leakwatch:allow=` and the first 16 hex digits of its fingerprint; a bare `leakwatch:allow` accepts nothing.)'
    }),
    streams: s.array(s.string(), {
      default: [],
      description:
        'RE2 patterns on stream ids (`k8s/<ns>/<pod>/<container>`, `ci/<provider>/<repo>/<job>`, `file/<path>` from the collector, `file:<path>` and `stdin` from `scan`); matching streams are not scanned.'
    })
  }),
  knownSecrets: knownSecretsConfigSchema,
  access: accessConfigSchema
})

export type DetectorConfig = Infer<typeof detectorConfigSchema>
