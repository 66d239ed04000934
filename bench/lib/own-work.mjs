// The action's own work measured apart from dbt: bench/lib/own-work-entry.ts bundled the way
// rollup.config.js bundles the action, run on a run's artifacts in a process of its own, against
// the floor (a process that only reads and JSON.parses the same three files). Also scales a
// run's real artifacts up to any number of nodes.
import { spawnSync } from 'node:child_process'
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rollup } from 'rollup'
import { onwarn, plugins } from '../../rollup.config.js'
import { root } from './example.mjs'

/**
 * Bundles a benchmark's entry of bench/lib (default: the own-work entry) from the action's
 * sources, with the floor's script beside it; their paths.
 */
export async function bundleOwnWork(entry = 'own-work-entry.ts') {
  const dir = mkdtempSync(join(tmpdir(), 'dbt-defer-bench-own-'))
  // The action's build settings, with the benchmark's entry among the files compiled.
  const tsconfig = join(dir, 'tsconfig.json')
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(root, 'tsconfig.build.json'),
      compilerOptions: { rootDir: root, outDir: dir, typeRoots: [join(root, 'node_modules', '@types')] },
      include: [join(root, 'src', '**', '*.ts'), join(root, 'bench', 'lib', '*.ts'), join(root, '__tests__', 'fakes', '*.ts')]
    })
  )
  const bundle = await rollup({
    input: join(root, 'bench', 'lib', entry),
    onwarn,
    plugins: plugins(tsconfig, dir)
  })
  const file = join(dir, entry.replace(/-entry\.ts$/, '.js'))
  await bundle.write({ file, format: 'es', inlineDynamicImports: true })
  await bundle.close()
  const floor = join(dir, 'floor.mjs')
  writeFileSync(
    floor,
    [
      "import { readFileSync } from 'node:fs'",
      // VmHWM: this process's own peak (getrusage's maxRSS carries the parent's over the exec).
      "const peak = () => Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024",
      'const started = process.hrtime.bigint()',
      "const values = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, 'utf8')))",
      'const seconds = Number(process.hrtime.bigint() - started) / 1e9',
      'process.stdout.write(JSON.stringify({ seconds, maxRssMiB: peak(), values: values.length }) + "\\n")'
    ].join('\n')
  )
  return { file, floor }
}

/** Runs `node ...args` to its end; its wall time and the JSON of its last line. */
export function timed(args) {
  const started = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  const wall = Number(process.hrtime.bigint() - started) / 1e9
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`)
  return { wall, ...JSON.parse(r.stdout.trim().split('\n').pop()) }
}

/** One run of the action's own work on `set` (baseline, targetDir); wall time of the process, its peak RSS and what it wrote. */
export function runOwnWork(bundle, set) {
  const work = mkdtempSync(join(set.dir, 'run-'))
  return timed([bundle.file, set.baseline, set.targetDir, work])
}

/** One run of the floor on the same three files. */
export function runFloor(bundle, set) {
  return timed([bundle.floor, set.baseline, join(set.targetDir, 'manifest.json'), join(set.targetDir, 'run_results.json')])
}

/** The artifact reader alone, and JSON.parse alone (the floor's script), on the three files. */
export function runReader(bundle, set, which) {
  const files = [set.baseline, join(set.targetDir, 'manifest.json'), join(set.targetDir, 'run_results.json')]
  return timed(which === 'reader' ? [bundle.file, '--read', ...files] : [bundle.floor, ...files])
}

/** Every name the generated project gives its nodes, renamed for replica `r`. */
function renamer(r) {
  return (text) => text.replace(/m_(\d{5})(?!\d)/g, `m_$1_r${r}`).replace(/raw_items/g, `raw_items_r${r}`)
}

/** The nodes, parent_map and child_map of `manifest` repeated `replicas` times under new names. */
function scaleManifest(manifest, replicas) {
  const out = { ...manifest, nodes: {}, parent_map: {}, child_map: {} }
  for (let r = 0; r < replicas; r++) {
    const rename = renamer(r)
    for (const key of ['nodes', 'parent_map', 'child_map']) {
      const part = JSON.parse(rename(JSON.stringify(manifest[key] ?? {})))
      Object.assign(out[key], part)
    }
  }
  return out
}

/**
 * Writes `manifest` scaled up to about `targetBytes` at `path` the way {@link scaleManifest}
 * scales it (nodes, parent_map and child_map repeated under new names, every other section once),
 * a replica at a time, so the file can be of any size and is never one string. Returns the
 * number of replicas and of nodes written.
 */
export function writeScaledManifest(path, manifest, targetBytes) {
  const scaled = new Set(['nodes', 'parent_map', 'child_map'])
  const texts = (key) => Object.entries(manifest[key] ?? {}).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
  const replicaBytes = [...scaled].reduce((n, key) => n + Buffer.byteLength(texts(key).join(',')), 0)
  const rest = Buffer.byteLength(JSON.stringify(Object.fromEntries(Object.entries(manifest).filter(([k]) => !scaled.has(k)))))
  const replicas = Math.max(1, Math.ceil((targetBytes - rest) / replicaBytes))
  const fd = openSync(path, 'w')
  try {
    Object.keys(manifest).forEach((key, i) => {
      writeSync(fd, `${i === 0 ? '{' : ','}${JSON.stringify(key)}:`)
      if (!scaled.has(key)) return void writeSync(fd, JSON.stringify(manifest[key]))
      const one = texts(key).join(',')
      writeSync(fd, '{')
      for (let r = 0; r < replicas; r++) writeSync(fd, `${r && one ? ',' : ''}${renamer(r)(one)}`)
      writeSync(fd, '}')
    })
    writeSync(fd, '}')
  } finally {
    closeSync(fd)
  }
  return { replicas, nodes: replicas * Object.keys(manifest.nodes).length }
}

/**
 * Writes a set of artifacts of about `nodes` nodes, scaled from a real run: the deploy's manifest
 * (the baseline), the CI build's manifest and its run_results.json with the first `executed`
 * fraction of the results (every result of a replica holds its compiled SQL, renamed).
 */
export function scaledSet(real, nodes, executed) {
  const dir = mkdtempSync(join(tmpdir(), `dbt-defer-bench-scaled-${nodes}-`))
  const targetDir = join(dir, 'target')
  mkdirSync(targetDir)
  const perReplica = Object.keys(real.manifest.nodes).length
  const replicas = Math.max(1, Math.round(nodes / perReplica))
  const baseline = scaleManifest(real.baseline, replicas)
  writeFileSync(join(dir, 'baseline.json'), JSON.stringify(baseline))
  const manifest = scaleManifest(real.manifest, replicas)
  writeFileSync(join(targetDir, 'manifest.json'), JSON.stringify(manifest))
  const results = []
  for (let r = 0; r < replicas; r++) results.push(...JSON.parse(renamer(r)(JSON.stringify(real.runResults.results))))
  const kept = results.slice(0, Math.max(1, Math.round(results.length * executed)))
  writeFileSync(join(targetDir, 'run_results.json'), JSON.stringify({ ...real.runResults, results: kept }))
  return { dir, baseline: join(dir, 'baseline.json'), targetDir, nodes: Object.keys(manifest.nodes).length, results: kept.length }
}

/** The artifacts of a real run: the deploy's manifest, and the CI build's manifest and run results. */
export function realArtifacts(baselinePath, targetDir) {
  const read = (f) => JSON.parse(readFileSync(f, 'utf8'))
  return {
    baseline: read(baselinePath),
    manifest: read(join(targetDir, 'manifest.json')),
    runResults: read(join(targetDir, 'run_results.json'))
  }
}
