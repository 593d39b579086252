import type { Rule } from '../rule.ts'

export const rules: Rule[] = [
  {
    id: 'terraform-cloud-api-token',
    title: 'HCP Terraform / Terraform Enterprise API token',
    severity: 'critical',
    kind: 'pattern',
    // <14 characters>.atlasv1.<60–70 characters>: user, team and organization tokens alike.
    regex: '(?:^|[^A-Za-z0-9])([A-Za-z0-9]{14}\\.atlasv1\\.[A-Za-z0-9_=-]{60,})(?:[^A-Za-z0-9_=-]|$)',
    keywords: ['.atlasv1.'],
    minEntropy: 4.0,
    examples: {
      positives: (g) => {
        const a = `${g.base62(14)}.atlasv1.${g.base62(67)}`
        const b = `${g.base62(14)}.atlasv1.${g.base62(67)}`
        return [
          { line: `credentials "app.terraform.io" { token = "${a}" }`, secret: a },
          { line: `TFE_TOKEN=${b}`, secret: b }
        ]
      },
      negatives: ['TFE_TOKEN="xxxxxxxxxxxxx.atlasv1.xxxxxxxxxxxxx"', `TF_TOKEN_app_terraform_io=${'a'.repeat(14)}.atlasv1.${'a'.repeat(67)}`]
    }
  }
]
