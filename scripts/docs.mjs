// Keeps README.md's inputs and outputs tables generated from action.yml.
// `node scripts/docs.mjs` rewrites them; `--check` exits 1 when README.md is out of date.
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const readmePath = join(root, 'README.md')

function cell(text) {
  return String(text ?? '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/\|/g, '\\|')
}

export function tables(actionYml) {
  const action = parse(actionYml)
  const inputs = Object.entries(action.inputs).map(
    ([name, spec]) => `| \`${name}\` | ${cell(spec.description)} | \`${cell(spec.default) || "''"}\` |`
  )
  const outputs = Object.entries(action.outputs).map(([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`)
  return {
    inputs: ['| Input | Description | Default |', '| --- | --- | --- |', ...inputs].join('\n'),
    outputs: ['| Output | Description |', '| --- | --- |', ...outputs].join('\n')
  }
}

function replaceBetween(text, name, body) {
  const start = `<!-- ${name}:start (generated from action.yml by scripts/docs.mjs) -->`
  const end = `<!-- ${name}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < from) throw new Error(`README.md lacks the markers ${start} ... ${end}`)
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`
}

export function render(readme, actionYml) {
  const t = tables(actionYml)
  return replaceBetween(replaceBetween(readme, 'inputs', t.inputs), 'outputs', t.outputs)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const readme = readFileSync(readmePath, 'utf8')
  const fresh = render(readme, readFileSync(join(root, 'action.yml'), 'utf8'))
  if (process.argv.includes('--check')) {
    if (fresh !== readme) {
      console.error("README.md's inputs/outputs tables differ from action.yml: run 'node scripts/docs.mjs'.")
      process.exit(1)
    }
    console.log('README.md tables match action.yml.')
  } else {
    writeFileSync(readmePath, fresh)
  }
}
