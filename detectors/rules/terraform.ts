import { ALPHABETS } from '../gen.ts'
import { BASE62, charset, format, tokenRule } from './define.ts'
import { START_ALNUM } from './patterns.ts'

export const rules = [
  tokenRule({
    id: 'terraform-cloud-api-token',
    title: 'HCP Terraform / Terraform Enterprise API token',
    severity: 'critical',
    // <14 characters>.atlasv1.<60–70 characters>: user, team and organization tokens alike.
    token: format(BASE62(14), '.atlasv1.', charset('A-Za-z0-9_=-', ALPHABETS.base62).atLeast(60, 67)),
    before: START_ALNUM,
    after: '(?:[^A-Za-z0-9_=-]|$)',
    keywords: ['.atlasv1.'],
    minEntropy: 4.0,
    lines: [(s) => `credentials "app.terraform.io" { token = "${s}" }`, (s) => `TFE_TOKEN=${s}`],
    negatives: ['TFE_TOKEN="xxxxxxxxxxxxx.atlasv1.xxxxxxxxxxxxx"', `TF_TOKEN_app_terraform_io=${'a'.repeat(14)}.atlasv1.${'a'.repeat(67)}`]
  })
]
