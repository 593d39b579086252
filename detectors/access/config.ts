// `detector.access`: the access-anomaly detector over Kubernetes audit events
// (docs/access.md). Every threshold has its unit in its name; every rule can be
// switched off in `rules`. Defaults are chosen for a cluster of a few thousand
// principals: a rule that needs a baseline stays silent until it has one.

import type { Infer } from '../../pipeline/schema.ts'
import * as s from '../../pipeline/schema.ts'

/** The rules, as `rules.<id>: false` switches them off and as findings name them (`access-<id>`). */
export const ACCESS_RULES = [
  'secret-read-rate',
  'first-seen-secret',
  'first-seen-namespace',
  'new-source-network',
  'new-user-agent',
  'secret-enumeration',
  'slow-secret-harvest',
  'cluster-wide-secret-list',
  'denied-secret-reads',
  'anonymous-secret-access',
  'token-request',
  'pod-exec',
  'impersonation',
  'rbac-secret-grant',
  'secret-read-after-grant'
] as const
export type AccessRule = (typeof ACCESS_RULES)[number]

const rulesShape = Object.fromEntries(ACCESS_RULES.map((r) => [r, s.boolean({ default: true, description: `Run the \`access-${r}\` rule.` })])) as Record<
  AccessRule,
  s.Schema<boolean>
>

const ms = (def: number, description: string) => s.number({ integer: true, min: 1000, default: def, description })
const count = (def: number, description: string, min = 1) => s.number({ integer: true, min, default: def, description })

const HOUR = 3_600_000

export const accessConfigSchema = s.object({
  enabled: s.boolean({
    default: false,
    description: 'Run the access detector on `leakwatch.audit.v1` (state in Redis for `run detector`, in memory for `run all`). `audit analyze` always runs it.'
  }),
  learningPeriodMs: ms(
    3 * 24 * HOUR,
    'How long after the first audit event the detector only learns (per cluster). Baseline-based rules (rate, first seen, breadth vs peak, unusual sensitive operations) report only after it.'
  ),
  rules: s.object(rulesShape),
  rate: s.object({
    seasonality: s.literal(['hour-of-week', 'hour-of-day', 'none'] as const, {
      default: 'hour-of-day',
      description:
        "Which hourly baseline a principal's secret reads are compared with: one per hour of the week (needs weeks of history), per hour of the day, or one for all hours. A bucket with fewer than `minBaselineMs` of hours falls back to the all-hours baseline."
    }),
    halfLifeMs: ms(72 * HOUR, 'Half-life of the EWMA mean and variance of hourly secret reads, counted in observed hours of the bucket.'),
    minBaselineMs: ms(24 * HOUR, 'Observed hours a baseline needs before it is compared with (a new principal has none; the first-seen rules cover it).'),
    zScore: s.number({ min: 1, default: 6, description: "Alert when an hour's secret reads exceed the baseline mean by this many standard deviations…" }),
    minReadsPerHour: count(50, '…and number at least this many in the hour…'),
    peakFactor: s.number({
      min: 1,
      default: 1.5,
      description:
        "…and exceed this many times the principal's busiest hour (`peakWindowMs`), and that hour by `zScore` times its square root (a count's spread: a peak of 30 is exceeded by chance far more often than 1.5x a peak of 3,000). A weekday peak measured against a baseline that still mixes in nights and weekends is not an anomaly."
    }),
    peakWindowMs: ms(
      7 * 24 * HOUR,
      "The busiest hour `peakFactor` multiplies is the busiest unreported hour of this many last days, learning days included: it keeps learning after the learning period (three learning days hold fewer busy hours than a week), a reported hour does not raise it, and a spike older than the window no longer counts. A week, so a quiet weekend does not lower Monday's bar."
    ),
    minStddevReadsPerHour: s.number({
      min: 0.1,
      default: 2,
      description: 'Floor of the standard deviation, so a principal that always reads exactly 3 secrets an hour does not alert on 5.'
    })
  }),
  breadth: s.object({
    windowMs: ms(10 * 60_000, 'Window of the enumeration rule.'),
    minSecrets: count(25, 'Distinct secrets (a `list` counts as one per namespace) read in the window that make an enumeration…'),
    minNamespaces: count(5, '…or distinct namespaces whose secrets were read in the window.'),
    peakFactor: s.number({ min: 1, default: 2, description: "…and more than this many times the principal's learned peak in such a window." }),
    slowWindowMs: ms(6 * HOUR, 'Window of the slow-harvest rule: reads spread thinly enough to stay under any per-minute threshold.'),
    slowMinSecrets: count(15, 'Distinct secrets read in the slow window that make a slow harvest (also above `peakFactor` × the learned peak).'),
    slowMinNewSecrets: count(
      8,
      "…or this many distinct secrets in the slow window that are new to the principal, that no peer read and that it does not write (a deployer applying a Secret reads then patches it): reading secrets one never read, one at a time, is harvesting whatever one's learned peak."
    ),
    maxItemsPerWindow: count(2000, 'Distinct items a window keeps per principal; past it the count saturates (bounded memory per principal).', 10)
  }),
  denied: s.object({
    windowMs: ms(5 * 60_000, 'Window of the denied-reads rule.'),
    minDenied: count(10, 'Denied (401/403) secret requests in the window that make a burst.')
  }),
  firstSeen: s.object({
    peerGroups: s.boolean({
      default: true,
      description:
        "A first read of a secret or namespace that a peer already read is not reported: peers are principals sharing a group (a team's OIDC group, `system:serviceaccounts:<ns>` for a namespace's service accounts), so a new hire reading a team secret stays quiet while a stranger reading prod does not. Peer reads are cluster facts in the store (`peers:<group>`)."
    }),
    ignoreGroups: s.array(s.string(), {
      default: ['system:authenticated', 'system:unauthenticated', 'system:serviceaccounts', 'system:nodes'],
      description: 'Groups too broad to make their members peers (everyone, every service account, every node).'
    }),
    newPrincipalMs: ms(
      HOUR,
      "A principal first seen after learning counts as new (a second signal for its first namespaces and an admin's first cluster-wide list) for this long after its first event; after that its own history is its baseline."
    ),
    burstWindowMs: ms(HOUR, "Window of the first-seen burst: a principal's first reads of namespaces that no peer read…"),
    burstMinItems: count(3, '…numbering at least this many in the window are a second signal (breadth) for each of them.', 2)
  }),
  weakSignals: s.literal(['off', 'low'] as const, {
    default: 'off',
    description:
      "What alone is weak evidence: a first-seen secret or namespace with no peer that read it and no second signal (for a namespace: the principal new since learning, within `firstSeen.newPrincipalMs`, or a burst of first reads of namespaces; for both: a new network or user-agent family in the same request), a workload's new network inside `clusterNetworks` (its pod moved to another node), a person's new network, an `adminGroups` member's first cluster-wide secret list. `off`: learned silently, they only count as the second signal of another; `low`: also reported at low severity (a review queue)."
  }),
  adminGroups: s.array(s.string(), {
    default: ['system:masters'],
    description:
      "Groups of cluster administrators (e.g. your IdP's admin group): a member's cluster-wide list or watch of secrets is routine; it is reported (medium) only the first time after learning and with a second signal (new principal, new network or user-agent family), else per `weakSignals`."
  }),
  grantFollowMs: ms(24 * HOUR, 'How long after an RBAC change granted a principal secret access its secret reads are reported (`secret-read-after-grant`).'),
  episodeGapMs: ms(
    HOUR,
    'Further events of a reported anomaly (same rule, principal and namespace) within this gap extend its finding instead of opening another.'
  ),
  maxAuditIds: count(20, 'auditIDs a finding keeps as evidence (the first ones, then the last one).'),
  maxKnownPerPrincipal: count(5000, 'Secrets, namespaces, networks and user agents remembered per principal; past it the oldest are forgotten.', 10),
  stateTtlMs: ms(30 * 24 * HOUR, "How long a principal's state is kept after its last event (Redis key TTL)."),
  clusterNetworks: s.array(s.string(), {
    default: [],
    description:
      "CIDRs of the cluster (nodes, pods): a service-account token used from outside them is reported at high severity (the stolen-token signal); a workload's new network inside them with a known user-agent family is its pod landing on another node, learned silently (see `weakSignals`). Empty: any new network of a machine principal counts."
  }),
  controllers: s.array(s.string(), {
    default: [],
    description:
      'More usernames (exact, or prefix ending in `*`) that act as controllers: like kube-controller-manager, they may list and watch secrets cluster-wide (e.g. `system:serviceaccount:external-secrets:*`). They are still watched for new networks and user agents.'
  }),
  allow: s.object({
    principals: s.array(s.string(), { default: [], description: 'Usernames (exact, or prefix ending in `*`) never reported.' }),
    groups: s.array(s.string(), { default: [], description: 'Groups whose members are never reported.' }),
    namespaces: s.array(s.string(), { default: [], description: 'Namespaces whose secrets and pods are not watched.' })
  })
})

export type AccessConfig = Infer<typeof accessConfigSchema>
