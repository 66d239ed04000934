import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { extractZip, UnsafeZipError } from '../src/baseline/unzip.js'
import { makeZip } from './fakes/github-server.js'

let work: string
beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'unzip-test-'))
})
afterEach(async () => {
  await rm(work, { recursive: true, force: true })
})

/** yazl refuses unsafe names, as it should; write a safe placeholder and rename it in place. */
function renameEntry(zip: Buffer, placeholder: string, name: string): Buffer {
  expect(Buffer.byteLength(placeholder)).toBe(Buffer.byteLength(name))
  const from = Buffer.from(placeholder)
  const out = Buffer.from(zip)
  let at = out.indexOf(from)
  let count = 0
  while (at !== -1) {
    Buffer.from(name).copy(out, at)
    count++
    at = out.indexOf(from, at + 1)
  }
  expect(count).toBe(2) // local header + central directory
  return out
}

async function zipFile(buffer: Buffer): Promise<string> {
  const path = join(work, 'in.zip')
  await writeFile(path, buffer)
  return path
}

describe('extractZip', () => {
  it('extracts nested entries and returns their archive paths', async () => {
    const zip = await makeZip({ 'manifest.json': '{"metadata":{}}', 'target/run_results.json': '{"results":[]}', 'a/b/c.txt': 'deep' })
    const dest = join(work, 'out')
    const files = await extractZip(await zipFile(zip), dest)
    expect(files.sort()).toEqual(['a/b/c.txt', 'manifest.json', 'target/run_results.json'])
    expect(await readFile(join(dest, 'a/b/c.txt'), 'utf8')).toBe('deep')
    expect(await readFile(join(dest, 'target/run_results.json'), 'utf8')).toBe('{"results":[]}')
  })

  it('keeps binary contents byte for byte', async () => {
    const bytes = Buffer.from(Array.from({ length: 70000 }, (_, i) => (i * 7919) % 256))
    const dest = join(work, 'out')
    await extractZip(await zipFile(await makeZip({ 'blob.bin': bytes })), dest)
    expect((await readFile(join(dest, 'blob.bin'))).equals(bytes)).toBe(true)
  })

  it.each([
    ['a parent-directory entry', 'xx/evil.txt', '../evil.txt', /'\.\.\/evil\.txt' has a '\.\.' path segment/],
    ['a nested parent-directory entry', 'ok/xx/xx/evil', 'ok/../../evil', /'ok\/\.\.\/\.\.\/evil'/],
    ['a backslash parent-directory entry', 'xx/evil', '..\\evil', /'\.\.\/evil' has a '\.\.' path segment/],
    ['an absolute entry', 'xtmp/evil-abs', '/tmp/evil-abs', /'\/tmp\/evil-abs' has an absolute path/],
    ['a drive-letter entry', 'xxevil', 'C:evil', /'C:evil' has an absolute path/]
  ])('refuses %s and writes nothing outside', async (_what, placeholder, name, message) => {
    const zip = renameEntry(await makeZip({ 'fine.txt': 'ok', [placeholder]: 'pwned' }), placeholder, name)
    const dest = join(work, 'deep', 'out')
    await expect(extractZip(await zipFile(zip), dest)).rejects.toThrow(message)
    await expect(extractZip(await zipFile(zip), dest)).rejects.toBeInstanceOf(UnsafeZipError)
    expect(existsSync(join(work, 'deep', 'evil.txt'))).toBe(false)
    expect(existsSync(join(work, 'evil'))).toBe(false)
    expect(existsSync('/tmp/evil-abs')).toBe(false)
  })

  it('refuses a symbolic link entry', async () => {
    const zip = await makeZip({ 'manifest.json': '../../../etc/passwd' }, { modes: { 'manifest.json': 0o120777 } })
    const dest = join(work, 'out')
    await expect(extractZip(await zipFile(zip), dest)).rejects.toThrow(/'manifest\.json' is a symbolic link/)
    expect(await readdir(dest)).toEqual([])
  })

  it('refuses an archive larger than the cap, naming the entry that crossed it', async () => {
    const zip = await makeZip({ 'small.txt': 'x'.repeat(600), 'big.txt': 'y'.repeat(600) })
    await expect(extractZip(await zipFile(zip), join(work, 'out'), { maxBytes: 1000 })).rejects.toThrow(
      /entry 'big\.txt'.*limit of 1000 bytes/
    )
    // the same archive fits a larger cap
    await expect(extractZip(await zipFile(zip), join(work, 'out2'), { maxBytes: 1200 })).resolves.toHaveLength(2)
  })

  it('fails clearly on a file that is not a zip', async () => {
    await expect(extractZip(await zipFile(Buffer.from('<html>not a zip</html>')), join(work, 'out'))).rejects.toThrow(
      /Cannot read .*in\.zip as a zip archive: End of central directory/
    )
  })
})
