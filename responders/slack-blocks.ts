// The Block Kit message of an incident. Rendered from the incident alone, so
// any replica renders the same message and a sync job can tell from a digest
// whether the posted one is stale. Within Slack's limits: ≤ 50 blocks, header
// ≤ 150 characters, section text ≤ 3000, ≤ 10 fields of ≤ 2000, button
// values ≤ 2000. Everything shown is masked or metadata.

import { createHash } from 'node:crypto'
import type { HistoryEntry, Incident, Location } from './incidents.ts'

export const ACTION_IDS = { rotate: 'leakwatch_rotate', falsePositive: 'leakwatch_false_positive', ack: 'leakwatch_ack' } as const

const EMOJI: Record<string, string> = { critical: ':rotating_light:', high: ':red_circle:', medium: ':large_orange_circle:', low: ':white_circle:' }

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`
}

/** Slack mrkdwn: &, < and > are control characters; user-controlled text (pod names, repos) must not inject links or mentions. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

function when(iso: string): string {
  const t = Math.floor(Date.parse(iso) / 1000)
  return Number.isFinite(t) ? `<!date^${t}^{date_short_pretty} {time}|${esc(iso)}>` : esc(iso)
}

function place(l: Location): string {
  if (l.repository !== undefined) {
    const label = esc(`${l.repository}${l.job === undefined ? '' : ` · ${l.job}`}`)
    const linked = l.url !== undefined && /^https?:\/\//.test(l.url) ? `<${esc(l.url)}|${label}>` : label
    const who = [l.branch, l.commit?.slice(0, 12), l.actor === undefined ? undefined : `by ${l.actor}`].filter((p) => p !== undefined)
    return who.length === 0 ? linked : `${linked} (${esc(who.join(' · '))})`
  }
  if (l.object !== undefined) {
    // An audit event: the object, the field, and who wrote it (as whom).
    const who =
      l.principal === undefined ? '' : ` · ${l.verb ?? 'written'} by ${l.principal}${l.impersonatedUser === undefined ? '' : ` as ${l.impersonatedUser}`}`
    return esc(`${l.cluster} / ${l.object}${l.field === undefined ? '' : ` · ${clip(l.field, 300)}`}${who}`)
  }
  if (l.namespace !== undefined) {
    const parts = [l.cluster, l.namespace, l.workload ?? l.pod, l.container].filter((p) => p !== undefined) as string[]
    return esc(parts.join(' / '))
  }
  return esc(l.stream)
}

function statusText(i: Incident): string {
  const s = i.status === 'resolved' ? `resolved (${i.resolution})` : i.status
  return i.acknowledgedBy !== undefined && i.status === 'open' ? `${s}, acknowledged by ${esc(i.acknowledgedBy)}` : s
}

function doneText(i: Incident): string {
  const lines: string[] = []
  if (i.rotation.mode === 'alert') lines.push('Rotation: alert only (policy)')
  else if (i.rotation.mode === 'button' && i.rotation.round === 0) lines.push('Rotation: waiting for someone to press *Rotate now*')
  else if (i.rotation.mode === 'auto' && i.rotation.round === 0) lines.push('Rotation: automatic')
  for (const a of i.actions.slice(-6))
    lines.push(`• ${esc(a.action)}: ${a.outcome}${a.attempt > 1 ? ` (attempt ${a.attempt})` : ''} — ${esc(clip(a.detail, 120))}`)
  if (i.regressions > 0) lines.push(`Reopened ${i.regressions}× as a regression`)
  return lines.length === 0 ? 'Nothing yet' : lines.join('\n')
}

export interface Message {
  text: string
  blocks: Array<Record<string, unknown>>
}

export function renderMessage(i: Incident): Message {
  const sev = i.severity.toUpperCase()
  const where = i.locations.slice(0, 8).map((l) => `• ${place(l)} — ${l.count}×`)
  const others = i.locations.length - 8 + (i.otherOccurrences > 0 ? 1 : 0)
  if (others > 0) where.push(`• …and ${i.otherOccurrences > 0 ? `${i.otherOccurrences} more occurrences elsewhere` : `${i.locations.length - 8} more places`}`)
  const text = `${EMOJI[i.severity] ?? ''} [${sev}] ${i.title} leaked: ${i.preview} (${i.occurrences}× in ${i.cluster})`
  const blocks: Array<Record<string, unknown>> = [
    { type: 'header', text: { type: 'plain_text', text: clip(`${EMOJI[i.severity] ?? ''} [${sev}] ${i.title} leaked`, 150), emoji: true } },
    {
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: `*Secret*\n\`${esc(clip(i.preview, 200))}\`` },
        { type: 'mrkdwn', text: `*Rule*\n${esc(i.rule)} (${esc(i.kind)})` },
        { type: 'mrkdwn', text: `*Status*\n${statusText(i)}` },
        {
          type: 'mrkdwn',
          text: `*Seen*\n${i.occurrences}× in ${i.locations.length + (i.otherOccurrences > 0 ? '+' : '')} place${i.locations.length === 1 ? '' : 's'}`
        },
        { type: 'mrkdwn', text: `*First seen*\n${when(i.firstSeen)}` },
        { type: 'mrkdwn', text: `*Last seen*\n${when(i.lastSeen)}` },
        { type: 'mrkdwn', text: `*Owner*\n${esc(i.route.owner ?? 'unassigned')}` },
        { type: 'mrkdwn', text: `*Cluster*\n${esc(i.cluster)}` }
      ]
    },
    { type: 'section', text: { type: 'mrkdwn', text: clip(`*Where*\n${where.join('\n')}`, 3000) } },
    { type: 'section', text: { type: 'mrkdwn', text: clip(`*What leakwatch did*\n${doneText(i)}`, 3000) } }
  ]
  const buttons: Array<Record<string, unknown>> = []
  if (i.status === 'open' && i.rotation.mode !== 'alert')
    buttons.push({ type: 'button', action_id: ACTION_IDS.rotate, text: { type: 'plain_text', text: 'Rotate now' }, style: 'danger', value: i.fingerprint })
  if (i.status === 'open' || i.status === 'rotating')
    buttons.push({ type: 'button', action_id: ACTION_IDS.falsePositive, text: { type: 'plain_text', text: 'False positive' }, value: i.fingerprint })
  if (i.status === 'open' && i.acknowledgedBy === undefined)
    buttons.push({ type: 'button', action_id: ACTION_IDS.ack, text: { type: 'plain_text', text: 'Acknowledge' }, style: 'primary', value: i.fingerprint })
  if (buttons.length > 0) blocks.push({ type: 'actions', block_id: 'leakwatch_actions', elements: buttons })
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `incident \`${i.fingerprint.slice(0, 16)}\` · leakwatch` }] })
  return { text: clip(text, 3000), blocks }
}

export function digest(m: Message): string {
  return createHash('sha256').update(JSON.stringify(m)).digest('hex').slice(0, 16)
}

export function renderReply(e: HistoryEntry): string {
  const who = e.actor === 'leakwatch' ? '' : ` (${esc(e.actor)})`
  return clip(`${esc(e.text)}${who}`, 3000)
}
