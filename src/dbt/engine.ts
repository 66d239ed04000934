/**
 * Which dbt engine wrote an artifact, and what mixing two of them means for a deferred build.
 * dbt-core writes `metadata.dbt_version` as PEP 440 (`1.12.6`, `1.10.0b2`); dbt Fusion, the Rust
 * engine, as semver 2.x (`2.0.0-preview.45`, `2.0.0-beta.3`), and both write manifest v12.
 */

/** The two engines: dbt-core (Python, 1.x) and dbt Fusion (Rust, 2.x). */
export type DbtEngine = 'dbt-core' | 'dbt-fusion'

/** A dbt version, as an artifact's `metadata.dbt_version` records it. */
export interface DbtVersion {
  /** The engine that writes this version. */
  engine: DbtEngine
  /** The version as dbt wrote it. */
  text: string
  /** Major, minor and patch. */
  major: number
  minor: number
  patch: number
}

const VERSION = /^v?(\d+)\.(\d+)(?:\.(\d+))?/

/** Parses a dbt version; undefined when the text is not one. */
export function parseDbtVersion(text: string | null | undefined): DbtVersion | undefined {
  const match = VERSION.exec((text ?? '').trim())
  if (!match) return undefined
  const [major, minor, patch] = [match[1], match[2], match[3] ?? '0'].map(Number)
  return { engine: major >= 2 ? 'dbt-fusion' : 'dbt-core', text: (text ?? '').trim(), major, minor, patch }
}

/** How the report names an engine and version: `dbt 1.12.6`, `dbt Fusion 2.0.0-beta.3`. */
export function engineLabel(v: DbtVersion): string {
  return v.engine === 'dbt-fusion' ? `dbt Fusion ${v.text}` : `dbt ${v.text}`
}

/** `1.12` of a version: the release line whose artifacts and selection rules dbt keeps. */
function line(v: DbtVersion): string {
  return `${v.major}.${v.minor}`
}

function compareLines(a: DbtVersion, b: DbtVersion): number {
  return a.major - b.major || a.minor - b.minor
}

/** What a baseline written by one dbt means for a build by another. */
export type VersionMix =
  /** Nothing to say: the same engine and release line, or a version is unknown. */
  | { kind: 'same' }
  /** The CI's dbt is newer: it upgrades the baseline when it reads it. */
  | { kind: 'older-baseline'; message: string }
  /** The baseline is newer than the CI's dbt: refused before dbt runs. */
  | { kind: 'newer-baseline'; message: string }
  /** One engine is dbt-core and the other dbt Fusion: state:modified marks extra nodes. */
  | { kind: 'other-engine'; message: string }

/**
 * Compares the dbt that wrote the baseline with the one the build runs. A newer release line
 * is refused: dbt-core 1.8 cannot load a manifest of 1.9 or later (its macro entries carry
 * fields it does not know), and later lines load one but compare configs by their own rules.
 */
export function versionMix(env: string, baseline: string | undefined, ci: string | undefined): VersionMix {
  const b = parseDbtVersion(baseline)
  const c = parseDbtVersion(ci)
  if (!b || !c) return { kind: 'same' }
  if (b.engine !== c.engine) return { kind: 'other-engine', message: otherEngine(env, b, c) }
  const order = compareLines(b, c)
  if (order > 0) return { kind: 'newer-baseline', message: newerBaseline(env, b, c) }
  if (order < 0) {
    return {
      kind: 'older-baseline',
      message: `The ${env} baseline was written by ${engineLabel(b)}; this run's ${engineLabel(c)} upgrades it when reading it.`
    }
  }
  return { kind: 'same' }
}

function newerBaseline(env: string, b: DbtVersion, c: DbtVersion): string {
  const install = b.engine === 'dbt-fusion' ? `dbt Fusion ${line(b)} or newer` : `dbt-core>=${line(b)}`
  return (
    `The ${env} baseline was written by ${engineLabel(b)}, newer than this run's ${engineLabel(c)}: ` +
    `an older dbt cannot be trusted to read a newer dbt's manifest (dbt-core 1.8 refuses one, later releases compare it by their own rules and select nodes the pull request did not change). ` +
    `Install ${install} in CI (pin the deploy's version), or deploy with ${engineLabel(c)}.`
  )
}

function otherEngine(env: string, b: DbtVersion, c: DbtVersion): string {
  return (
    `The ${env} baseline was written by ${engineLabel(b)} and this run uses ${engineLabel(c)}: ` +
    'the two engines write different checksums and configs for the same files, so state:modified marks nodes modified that the pull request did not change. ' +
    'Run the same engine in the deploy and in CI.'
  )
}
