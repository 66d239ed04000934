// Parses a Mermaid diagram (read from stdin) with Mermaid's own parser, as GitHub's renderer
// would; prints the diagram type, or the parse error and exits 1. Mermaid needs a DOM to load:
// jsdom gives it one.
import { JSDOM } from 'jsdom'

const dom = new JSDOM('<!doctype html><html><body></body></html>')
globalThis.window = dom.window
globalThis.document = dom.window.document
const { default: mermaid } = await import('mermaid')

let text = ''
for await (const chunk of process.stdin) text += chunk
try {
  const result = await mermaid.parse(text)
  console.log(result.diagramType)
} catch (error) {
  console.log(String(error.message ?? error))
  process.exit(1)
}
