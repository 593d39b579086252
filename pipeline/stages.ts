// The three stage contracts every component implements, and the shape of a
// registry entry (app/registry.ts). They live in the spine so that a stage
// folder depends on pipeline/ only, and the composition root can hold every
// component behind one interface per stage.
//
// - A collector reads from somewhere and publishes records; the runner's
//   publisher resolves once they are durable, and only then may the collector
//   advance its own checkpoint.
// - A detector is pure: a chunk in, findings out (empty means nothing found).
//   Offsets belong to the runner, which produces the findings before it
//   commits the chunk.
// - A responder acts on one incident, as one job: its outcome is recorded on
//   the incident and on `leakwatch.actions.v1`; a thrown coded error decides
//   retry versus dead letter (pipeline/errors.ts).

import type { Finding, LogChunk } from './events.ts'
import type { JobContext } from './jobs.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'
import type { Publish } from './runner.ts'
import type { Schema } from './schema.ts'

export interface Collector {
  /** Runs until `signal` aborts; resolves when the collector stopped reading. */
  start: (signal: AbortSignal) => Promise<void>
  /** Lets in-flight records finish and saves the checkpoint. */
  close: () => Promise<void>
  /** Whether it takes input now, for /readyz: a collector that is sent its input (a webhook, an ingest endpoint) is ready once its port listens. */
  ready?: () => boolean
}

/**
 * Where a collector cuts a full chunk of `lines` (each `sizes[i]` bytes as its limit counts them) before a line of
 * `next` bytes: an index whose lines then open the next chunk, or -1 for the end. The detector's rules decide it
 * (detectors/open-block.ts blockCutFor: before a private key still open, which the detector reads within one chunk);
 * app/ wires it in. Without one, chunks are cut by count and size alone.
 */
export type ChunkCut = (lines: readonly string[], sizes: readonly number[], next: number, maxLines: number, maxBytes: number) => number

/** What every collector is handed; a component may take more in its own deps. */
export interface CollectorDeps {
  publish: Publish
  logger: Logger
  metrics: Metrics
  chunkCut?: ChunkCut
  now?: () => Date
  /** Called after each cycle whose chunks were acknowledged (tests wait on it). */
  onCycle?: (delivered: number) => void
}

export interface Detector {
  detect: (chunk: LogChunk) => Finding[]
}

/** What a responder reports for one action: done, or accepted by a receiver that will call back. */
export interface Outcome {
  outcome: 'succeeded' | 'accepted'
  /** One line for the incident's history, the actions topic and Slack; never a secret. */
  detail: string
}

/**
 * One responder. `Subject` is the incident (responders/incidents.ts) and `Action` the rotation action
 * that asked for this run (`responder.rotation[].actions[]`); both are type parameters so the spine
 * does not depend on the responder folder.
 */
export interface Responder<Subject, Action> {
  handle: (subject: Subject, action: Action, ctx: JobContext) => Promise<Outcome>
}

/**
 * A registry entry: a component's name (its configuration section), its schema, and a factory that
 * loads the component's code only when called, so a role holds only the modules it runs. `create`
 * returns undefined when the component is configured off for this process.
 */
export interface Component<Config, Context, T> {
  readonly name: string
  readonly configSchema: Schema<Config>
  /** A typical setting of this component's section, as an operator would write it; a test parses it. */
  readonly example: Record<string, unknown>
  create: (config: Config, ctx: Context) => Promise<T | undefined>
}
