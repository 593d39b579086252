// A structural check of a SARIF 2.1.0 log against the parts of the OASIS
// specification (and its JSON schema, sarif-schema-2.1.0.json) that leakwatch
// emits: required properties, their types, value ranges and the
// cross-references between results and rules. Returns every problem found,
// so a test failure lists them all instead of the first.

type Json = Record<string, unknown>

const LEVELS = ['none', 'note', 'warning', 'error']

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function isPositiveInt(v: unknown): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1
}

/** A URI reference (§3.10.2: absolute URI or relative reference), without spaces or other characters that must be escaped. */
function isUriReference(v: unknown): boolean {
  if (typeof v !== 'string' || v === '') return false
  if (/[\s"<>\\^`{|}]/.test(v)) return false
  return !v.includes('%') || /^(?:[^%]|%[0-9A-Fa-f]{2})*$/.test(v)
}

function isAbsoluteUri(v: unknown): boolean {
  if (typeof v !== 'string') return false
  try {
    return new URL(v).protocol.length > 1
  } catch {
    return false
  }
}

function message(v: unknown, path: string, problems: string[]): void {
  // §3.11: a message has text or an id.
  if (!isObject(v)) problems.push(`${path} must be an object`)
  else if (typeof v.text !== 'string' && typeof v.id !== 'string') problems.push(`${path} needs text or id`)
}

function region(v: unknown, path: string, problems: string[]): void {
  if (!isObject(v)) {
    problems.push(`${path} must be an object`)
    return
  }
  for (const k of ['startLine', 'startColumn', 'endLine', 'endColumn']) {
    if (v[k] !== undefined && !isPositiveInt(v[k])) problems.push(`${path}.${k} must be an integer >= 1`)
  }
  if (v.startLine === undefined && v.charOffset === undefined && v.byteOffset === undefined) problems.push(`${path} needs startLine, charOffset or byteOffset`)
  const sl = v.startLine as number
  const el = (v.endLine ?? sl) as number
  if (el < sl) problems.push(`${path}.endLine precedes startLine`)
  if (el === sl && typeof v.startColumn === 'number' && typeof v.endColumn === 'number' && v.endColumn < v.startColumn)
    problems.push(`${path}.endColumn precedes startColumn on one line`)
}

export function checkSarif(log: unknown): string[] {
  const problems: string[] = []
  if (!isObject(log)) return ['the log must be an object']
  if (log.version !== '2.1.0') problems.push('version must be "2.1.0"')
  if (log.$schema !== undefined && !isAbsoluteUri(log.$schema)) problems.push('$schema must be an absolute URI')
  if (!Array.isArray(log.runs)) return [...problems, 'runs must be an array']
  for (const [r, run] of log.runs.entries()) {
    const at = `runs[${r}]`
    if (!isObject(run)) {
      problems.push(`${at} must be an object`)
      continue
    }
    const driver = isObject(run.tool) ? run.tool.driver : undefined
    if (!isObject(driver)) {
      problems.push(`${at}.tool.driver is required`)
      continue
    }
    if (typeof driver.name !== 'string' || driver.name === '') problems.push(`${at}.tool.driver.name is required`)
    if (driver.version !== undefined && typeof driver.version !== 'string') problems.push(`${at}.tool.driver.version must be a string`)
    if (driver.informationUri !== undefined && !isAbsoluteUri(driver.informationUri)) problems.push(`${at}.tool.driver.informationUri must be an absolute URI`)
    const rules = driver.rules ?? []
    if (!Array.isArray(rules)) problems.push(`${at}.tool.driver.rules must be an array`)
    const ids: string[] = []
    for (const [i, rule] of (Array.isArray(rules) ? rules : []).entries()) {
      const rp = `${at}.tool.driver.rules[${i}]`
      if (!isObject(rule) || typeof rule.id !== 'string') {
        problems.push(`${rp}.id is required`)
        continue
      }
      ids.push(rule.id)
      if (rule.shortDescription !== undefined) message(rule.shortDescription, `${rp}.shortDescription`, problems)
      const level = isObject(rule.defaultConfiguration) ? rule.defaultConfiguration.level : undefined
      if (level !== undefined && !LEVELS.includes(level as string)) problems.push(`${rp}.defaultConfiguration.level is not a level`)
      if (rule.properties !== undefined) {
        if (!isObject(rule.properties)) problems.push(`${rp}.properties must be an object`)
        else if (rule.properties.tags !== undefined) {
          const tags = rule.properties.tags
          // §3.8.2: tags are an array of unique strings.
          if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string') || new Set(tags).size !== tags.length)
            problems.push(`${rp}.properties.tags must be unique strings`)
        }
      }
    }
    if (new Set(ids).size !== ids.length) problems.push(`${at}: rule ids must be unique`)
    const bases = isObject(run.originalUriBaseIds) ? run.originalUriBaseIds : {}
    for (const [k, v] of Object.entries(bases)) {
      const uri = isObject(v) ? v.uri : undefined
      if (!isAbsoluteUri(uri) || !String(uri).endsWith('/')) problems.push(`${at}.originalUriBaseIds.${k}.uri must be an absolute URI ending in /`)
    }
    if (run.results === undefined) continue
    if (!Array.isArray(run.results)) {
      problems.push(`${at}.results must be an array`)
      continue
    }
    for (const [j, res] of run.results.entries()) {
      const p = `${at}.results[${j}]`
      if (!isObject(res)) {
        problems.push(`${p} must be an object`)
        continue
      }
      message(res.message, `${p}.message`, problems)
      if (res.level !== undefined && !LEVELS.includes(res.level as string)) problems.push(`${p}.level is not a level`)
      if (res.ruleId !== undefined && typeof res.ruleId !== 'string') problems.push(`${p}.ruleId must be a string`)
      if (res.ruleIndex !== undefined) {
        if (typeof res.ruleIndex !== 'number' || !Number.isInteger(res.ruleIndex) || res.ruleIndex < 0) problems.push(`${p}.ruleIndex must be an integer >= 0`)
        else if (ids[res.ruleIndex] !== res.ruleId) problems.push(`${p}.ruleIndex points at ${ids[res.ruleIndex]}, not ${String(res.ruleId)}`)
      }
      if (res.partialFingerprints !== undefined) {
        if (!isObject(res.partialFingerprints) || Object.values(res.partialFingerprints).some((v) => typeof v !== 'string'))
          problems.push(`${p}.partialFingerprints must map to strings`)
      }
      if (res.locations === undefined) continue
      if (!Array.isArray(res.locations)) {
        problems.push(`${p}.locations must be an array`)
        continue
      }
      for (const [k, loc] of res.locations.entries()) {
        const lp = `${p}.locations[${k}]`
        const phys = isObject(loc) ? loc.physicalLocation : undefined
        if (phys === undefined) continue
        if (!isObject(phys)) {
          problems.push(`${lp}.physicalLocation must be an object`)
          continue
        }
        // §3.29.2: a physicalLocation has an artifactLocation or an address.
        if (phys.artifactLocation === undefined && phys.address === undefined) problems.push(`${lp}.physicalLocation needs artifactLocation or address`)
        const art = phys.artifactLocation
        if (art !== undefined) {
          if (!isObject(art)) problems.push(`${lp}.physicalLocation.artifactLocation must be an object`)
          else {
            if (art.uri !== undefined && !isUriReference(art.uri)) problems.push(`${lp}.physicalLocation.artifactLocation.uri is not a URI reference`)
            if (art.uriBaseId !== undefined && !(typeof art.uriBaseId === 'string' && art.uriBaseId in bases))
              problems.push(`${lp}.physicalLocation.artifactLocation.uriBaseId is not in originalUriBaseIds`)
          }
        }
        if (phys.region !== undefined) region(phys.region, `${lp}.physicalLocation.region`, problems)
      }
    }
  }
  return problems
}
