import { BASE62, format, tokenRule } from './define.ts'

export const rules = [
  tokenRule({
    id: 'adafruit-io-key',
    title: 'Adafruit IO key',
    severity: 'medium',
    token: format('aio_', BASE62(28)),
    minEntropy: 3.5,
    lines: [(s) => `ADAFRUIT_IO_KEY=${s}`, (s) => `#define IO_KEY "${s}"`],
    negatives: ['aio_...', `aio_${'x'.repeat(28)}`]
  })
]
