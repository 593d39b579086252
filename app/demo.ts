// The demo of `npm start`: an "application" that writes plausible logs into
// ./demo/logs, now and then leaking a credential made up on the spot from its
// format (nothing real, nothing committed), so a newcomer sees leakwatch find
// a leak within seconds with nothing else installed.

import { appendFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { createGen } from '../detectors/gen.ts'

export function startDemoWriter(dir: string, intervalMs = 1500): { stop: () => void } {
  const g = createGen()
  const file = join(dir, 'checkout-api.log')
  const leaks = [
    () => `{"level":"error","msg":"git push failed","remote":"https://x-access-token:${g.githubToken('ghp_')}@github.com/acme/shop.git"}`,
    () => `INFO  connecting to database with DB_PASSWORD=${g.password()}`,
    () => `DEBUG aws config loaded: AWS_ACCESS_KEY_ID=AKIA${g.chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`,
    () => `{"level":"debug","msg":"slack client ready","token":"xoxb-${g.digits(12)}-${g.digits(13)}-${g.base62(24)}"}`
  ]
  const noise = [
    () => `{"level":"info","msg":"order placed","orderId":"${g.hex(8)}-${g.hex(4)}","durationMs":${Math.floor(Math.random() * 200)}}`,
    () => `INFO  GET /api/cart 200 ${Math.floor(Math.random() * 40)}ms trace=${g.hex(32)}`,
    () => '{"level":"warn","msg":"cache miss ratio above 20%","cache":"sessions"}'
  ]
  let n = 0
  let stopped = false
  const tick = async (): Promise<void> => {
    await mkdir(dir, { recursive: true })
    const pick = n % 3 === 2 ? leaks[Math.floor(n / 3) % leaks.length] : noise[n % noise.length]
    n++
    if (pick !== undefined) await appendFile(file, `${pick()}\n`)
  }
  const timer = setInterval(() => {
    if (!stopped) tick().catch(() => {})
  }, intervalMs)
  void tick()
  return {
    stop: () => {
      stopped = true
      clearInterval(timer)
    }
  }
}
