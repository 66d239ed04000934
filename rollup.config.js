// Bundles the action into one ESM file that the runner executes with node24.
import commonjs from '@rollup/plugin-commonjs'
import json from '@rollup/plugin-json'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import typescript from '@rollup/plugin-typescript'
import { dirname } from 'node:path'

// DIST_FILE lets the dist check bundle into a scratch file to compare with the committed one.
const file = process.env.DIST_FILE || 'dist/index.js'

export default {
  input: 'src/index.ts',
  output: {
    file,
    format: 'es',
    sourcemap: false,
    inlineDynamicImports: true
  },
  onwarn(warning, warn) {
    // @actions/* and their dependencies use `this` at module scope and have circular imports;
    // both are harmless in the bundle and would otherwise drown real warnings.
    if (warning.code === 'THIS_IS_UNDEFINED' || warning.code === 'CIRCULAR_DEPENDENCY') return
    warn(warning)
  },
  plugins: [
    typescript({ tsconfig: './tsconfig.build.json', module: 'NodeNext', outDir: dirname(file) }),
    nodeResolve({ preferBuiltins: true, exportConditions: ['node', 'import', 'default'] }),
    commonjs(),
    json()
  ]
}
