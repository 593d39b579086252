import { BASE62, format, re, tokenRule } from './define.ts'

const KINDS = ['ct', 'pt', 'st', 'sa', 'scim', 'audit']

export const rules = [
  tokenRule({
    id: 'doppler-token',
    title: 'Doppler token (CLI, personal, service, service account, SCIM or audit)',
    severity: 'critical',
    // dp.<kind>. then 40 or more alphanumerics (44 today); service tokens name their config (dp.st.dev.…).
    token: format(
      'dp.',
      re('(?:ct|pt|st(?:\\.[a-z0-9_-]{2,35})?|sa|scim|audit)', (g) => KINDS[Number(g.chars('012345', 1))] ?? 'pt'),
      '.',
      BASE62.atLeast(40, 43)
    ),
    keywords: KINDS.map((k) => `dp.${k}.`),
    minEntropy: 4.0,
    lines: [(s) => `DOPPLER_TOKEN=${s}`, (s) => `+ doppler run --token ${s} -- ./start.sh`],
    negatives: ['dp.pt.…', `dp.pt.${'x'.repeat(43)}`]
  })
]
