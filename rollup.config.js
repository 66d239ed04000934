// Bundles the action into ESM that the runner executes with node24.
import commonjs from '@rollup/plugin-commonjs'
import json from '@rollup/plugin-json'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import typescript from '@rollup/plugin-typescript'

// Two bundles: the action (dist/index.js) and the command-line tool (dist/cli.js, package.json
// `bin`). DIST_DIR lets the dist check bundle into a scratch directory to compare with dist/.
const dir = process.env.DIST_DIR || 'dist'

/** @actions/* and their dependencies use `this` at module scope and have circular imports; both are harmless in the bundle and would otherwise drown real warnings. */
export function onwarn(warning, warn) {
  if (warning.code === 'THIS_IS_UNDEFINED' || warning.code === 'CIRCULAR_DEPENDENCY') return
  warn(warning)
}

/** The plugins of every bundle (bench/lib/own-work.mjs bundles its entry with them too). */
export const plugins = (tsconfig, outDir) => [
  typescript({ tsconfig, module: 'NodeNext', outDir }),
  nodeResolve({ preferBuiltins: true, exportConditions: ['node', 'import', 'default'] }),
  commonjs(),
  json()
]

// The action's modes and services are imported lazily (src/main.ts), each into a chunk of its
// own beside index.js, so a run loads only what its mode needs. The tool stays one file.
const bundle = (input, name, split, banner) => ({
  input,
  output: {
    ...(split
      ? { dir, entryFileNames: name, chunkFileNames: 'index-[name]-[hash].js' }
      : { file: `${dir}/${name}`, inlineDynamicImports: true }),
    format: 'es',
    sourcemap: false,
    banner
  },
  onwarn,
  plugins: plugins('./tsconfig.build.json', dir)
})

export default [bundle('src/index.ts', 'index.js', true), bundle('src/cli/index.ts', 'cli.js', false, '#!/usr/bin/env node')]
