// One line through the built-in rules, each value its own fingerprint: for tests whose values are generated
// at test time and never leave the test, to ask which rule reported which value.

import { BUILTIN_RULES } from '../../detectors/rules/registry.ts'
import { createSecretDetector } from '../../detectors/secrets.ts'
import type { Fingerprinter } from '../../pipeline/fingerprint.ts'
import { stdinChunk } from './log-chunk.ts'

/** `line`'s findings as `rule value`, from one detector made once for the stream. */
export function lineFinds(stream: string): (line: string) => string[] {
  const fingerprinter: Fingerprinter = { of: (v) => v, ephemeral: false }
  const detector = createSecretDetector({ rules: BUILTIN_RULES, fingerprinter, maxContextChars: 80 })
  return (line) => detector.detect(stdinChunk([line], 1, stream)).map((f) => `${f.rule} ${f.fingerprint}`)
}
