// Types of scripts/fusion-shape.mjs for the TypeScript callers (the tests).
import type { Manifest, RunResults } from '../src/dbt/artifact-types.js'

/** One Fusion release's artifact shape. */
export interface FusionShape {
  /** `metadata.dbt_version`, e.g. `2.0.0-preview.150`. */
  version: string
  /** Whether run_results.json results have compiled_code: left out, null, or kept. */
  compiledCode: 'absent' | 'null' | 'kept'
  /** The layout of target/compiled and target/run. */
  layout: 'flat' | 'core'
}

/** The Fusion releases whose shapes are produced. */
export const FUSION_SHAPES: Record<'preview.150' | 'preview.205' | 'preview.212', FusionShape>

/** manifest.json as that Fusion release writes it. */
export function fusionManifest(manifest: Manifest, shape: FusionShape): Manifest

/** run_results.json as that Fusion release writes it. */
export function fusionRunResults(runResults: RunResults, shape: FusionShape): RunResults

/** The results of `ids` reused by dbt State (status `reused`, no SQL). */
export function reuseResults(runResults: RunResults, ids: string[]): RunResults

/** Copies the SQL files of the compiled results into another target directory, in the shape's layout. */
export function fusionTargetFiles(
  fromTarget: string,
  toTarget: string,
  manifest: Manifest,
  runResults: RunResults,
  shape: FusionShape
): void
