import type { Rule } from '../rule.ts'
import { END, START } from './patterns.ts'

// User access tokens: hf_ + 34 letters; organization API tokens (legacy):
// api_org_ + 34 letters. Letters only, so an identifier in camelCase can take
// the same shape: the token must mix cases and pass a high entropy gate.
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const mixedCase = (token: string): boolean => {
  const body = token.slice(token.lastIndexOf('_') + 1)
  return /[A-Z]/.test(body) && /[a-z]/.test(body)
}

export const rules: Rule[] = [
  {
    id: 'huggingface-token',
    title: 'Hugging Face access token',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(hf_[A-Za-z]{34})${END}`,
    keywords: ['hf_'],
    minEntropy: 3.5,
    validate: mixedCase,
    examples: {
      positives: (g) => {
        const a = `hf_${g.chars(LETTERS, 34)}`
        const b = `hf_${g.chars(LETTERS, 34)}`
        return [
          { line: `HF_TOKEN=${a}`, secret: a },
          { line: `huggingface-cli login --token ${b} --add-to-git-credential`, secret: b }
        ]
      },
      negatives: [`HF_TOKEN=hf_${'x'.repeat(34)}`, 'HF_TOKEN=hf_...', 'hf_hub_download(repo_id="bert-base-uncased")']
    }
  },
  {
    id: 'huggingface-org-token',
    title: 'Hugging Face organization API token',
    severity: 'high',
    kind: 'pattern',
    regex: `${START}(api_org_[A-Za-z]{34})${END}`,
    keywords: ['api_org_'],
    minEntropy: 3.5,
    validate: mixedCase,
    examples: {
      positives: (g) => {
        const secret = `api_org_${g.chars(LETTERS, 34)}`
        return [{ line: `{"hub":{"org_token":"${secret}"}}`, secret }]
      },
      negatives: [`api_org_${'a'.repeat(34)}`]
    }
  }
]
