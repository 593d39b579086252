// Polling waits for tests of asynchronous loops: they return as soon as the
// condition holds, so a test never sleeps longer than it must, and fail with
// a message instead of hanging when it never does.

import { setTimeout as sleep } from 'node:timers/promises'

export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000, stepMs = 5): Promise<void> {
  const deadline = performance.now() + timeoutMs
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(stepMs)
  }
}
