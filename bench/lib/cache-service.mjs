// The fake actions cache service of the tests (__tests__/fakes/actions-cache-server.ts, Node
// strips its types), in a process of its own: the benchmarks start the action with spawnSync,
// which would stop a server in their own process from answering.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { root } from './example.mjs'

const SERVE = `
const { ActionsCacheServer } = await import(process.argv[1])
const server = await ActionsCacheServer.start()
console.log(JSON.stringify(server.env('v2')))
process.stdin.on('end', () => server.close().then(() => process.exit(0)))
process.stdin.resume()
`

/** Starts the service; resolves to the environment pointing the action at it, and a stop(). */
export async function startCacheService() {
  const child = spawn(
    process.execPath,
    ['--no-warnings', '--input-type=module', '-e', SERVE, join(root, '__tests__', 'fakes', 'actions-cache-server.ts')],
    {
      stdio: ['pipe', 'pipe', 'inherit']
    }
  )
  const first = await new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', resolve)
    child.once('exit', (code) => reject(new Error(`the fake cache service exited (${code})`)))
  })
  return { env: JSON.parse(first), stop: () => child.stdin.end() }
}
