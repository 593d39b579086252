import { BASE62, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'alibaba-access-key-id',
    title: 'Alibaba Cloud AccessKey ID',
    severity: 'high',
    // LTAI then 12 to 20 alphanumerics (the length grew over the years).
    token: format('LTAI', BASE62.between(12, 20, 20)),
    minEntropy: 3.0,
    lines: [(s) => `ALIBABA_CLOUD_ACCESS_KEY_ID=${s}`, (s) => `{"accessKeyId":"${s}","region":"cn-hangzhou"}`],
    negatives: ['LTAIxxxxxxxxxxxxxxxxxxxx', 'see LTAI prefix in the docs']
  })
]
