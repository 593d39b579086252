import { charset, format, tokenRule } from './define.ts'

// User access tokens: hf_ + 34 letters; organization API tokens (legacy):
// api_org_ + 34 letters. Letters only, so an identifier in camelCase can take
// the same shape: the token must mix cases and pass a high entropy gate.
const LETTERS = charset('A-Za-z', 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz')
const mixedCase = (token: string): boolean => {
  const body = token.slice(token.lastIndexOf('_') + 1)
  return /[A-Z]/.test(body) && /[a-z]/.test(body)
}

export const rules = [
  tokenRule({
    id: 'huggingface-token',
    title: 'Hugging Face access token',
    severity: 'high',
    token: format('hf_', LETTERS(34)),
    minEntropy: 3.5,
    validate: mixedCase,
    lines: [(s) => `HF_TOKEN=${s}`, (s) => `huggingface-cli login --token ${s} --add-to-git-credential`],
    negatives: [`HF_TOKEN=hf_${'x'.repeat(34)}`, 'HF_TOKEN=hf_...', 'hf_hub_download(repo_id="bert-base-uncased")']
  }),
  tokenRule({
    id: 'huggingface-org-token',
    title: 'Hugging Face organization API token',
    severity: 'high',
    token: format('api_org_', LETTERS(34)),
    minEntropy: 3.5,
    validate: mixedCase,
    lines: [(s) => `{"hub":{"org_token":"${s}"}}`],
    negatives: [`api_org_${'a'.repeat(34)}`]
  })
]
