// For `node --test --test-global-setup=test/global-setup.ts`: one Kafka and one Redis for the whole run.
// The runner spawns each test file's process after globalSetup resolves, and the children inherit this
// process's env, so KAFKA_BROKERS / REDIS_URL set here reach getServices() in every test file.
import { startKafka, startRedis } from './harness/services.ts'

const started: Array<{ stop(): Promise<void> }> = []

export async function globalSetup(): Promise<void> {
  const results = await Promise.allSettled([
    process.env.KAFKA_BROKERS
      ? undefined
      : startKafka().then((k) => {
          started.push(k)
          process.env.KAFKA_BROKERS = k.brokers.join(',')
          process.stderr.write(`[services] Kafka ready in ${k.startupMs} ms at ${k.brokers.join(',')}\n`)
        }),
    process.env.REDIS_URL
      ? undefined
      : startRedis().then((r) => {
          started.push(r)
          process.env.REDIS_URL = r.url
          process.stderr.write(`[services] Redis ready in ${r.startupMs} ms at ${r.url}\n`)
        })
  ])
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []))
  if (failures.length > 0) {
    await globalTeardown()
    throw new Error(`test services could not start:\n${failures.map((e) => e.message).join('\n\n')}`)
  }
}

export async function globalTeardown(): Promise<void> {
  await Promise.allSettled(started.splice(0).map((s) => s.stop()))
}
