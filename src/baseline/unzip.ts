import { ActionError } from '../errors.js'
import { createWriteStream } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import yauzl from 'yauzl'

/** Default cap on the total uncompressed size of one archive: 1 GiB. */
export const DEFAULT_MAX_UNZIPPED_BYTES = 1024 ** 3

const S_IFMT = 0o170000
const S_IFLNK = 0o120000

/** A zip entry that would escape the destination, is a link, or busts the size cap. */
export class UnsafeZipError extends ActionError {
  override readonly name = 'UnsafeZipError'
  constructor(
    message: string,
    /** The entry's name as stored in the archive. */
    readonly entry: string
  ) {
    super(message)
  }
}

/** The file is not a readable zip archive: truncated, corrupt, or not a zip at all. */
export class CorruptZipError extends ActionError {
  override readonly name = 'CorruptZipError'
  constructor(
    message: string,
    /** What the zip reader said. */
    readonly detail: string
  ) {
    super(message)
  }
}

/**
 * Extracts `zipPath` into `destDir`, streaming entry by entry, and returns the archive paths
 * (forward slashes) of the files written. Refuses, before writing them, entries with absolute
 * paths, `..` segments or a target outside `destDir`, symbolic links, and archives whose
 * uncompressed size exceeds `maxBytes` (default 1 GiB). An archive that cannot be read (or an
 * entry whose bytes do not match its header) is a {@link CorruptZipError}.
 */
export async function extractZip(zipPath: string, destDir: string, opts: { maxBytes?: number } = {}): Promise<string[]> {
  const root = resolve(destDir)
  await mkdir(root, { recursive: true })
  // Names are decoded here rather than by yauzl so that refusals carry this module's messages.
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }).catch((error) => {
    throw corruptOrNot(error, zipPath)
  })
  const budget: Budget = { max: opts.maxBytes ?? DEFAULT_MAX_UNZIPPED_BYTES, declared: 0, inflated: 0 }
  const written: string[] = []
  return new Promise<string[]>((done, fail) => {
    const abort = (error: unknown) => {
      if (zip.isOpen) zip.close()
      fail(corruptOrNot(error, zipPath))
    }
    zip.on('error', abort)
    zip.on('end', () => done(written))
    zip.on('entry', (entry: yauzl.Entry) => {
      extractEntry(zip, entry, root, budget, zipPath)
        .then((name) => {
          if (name !== undefined) written.push(name)
          zip.readEntry()
        })
        .catch(abort)
    })
    zip.readEntry()
  })
}

/** The size cap and what was counted against it: sizes the headers declare, bytes inflated. */
interface Budget {
  max: number
  declared: number
  inflated: number
}

/** Writes one entry; returns its name when it was a file. */
async function extractEntry(
  zip: yauzl.ZipFile,
  entry: yauzl.Entry,
  root: string,
  budget: Budget,
  zipPath: string
): Promise<string | undefined> {
  const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false)
  const target = safeTarget(name, root, zipPath)
  if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) {
    throw new UnsafeZipError(`Refusing to extract ${zipPath}: entry '${name}' is a symbolic link.`, name)
  }
  if (name.endsWith('/')) {
    await mkdir(target, { recursive: true })
    return undefined
  }
  charge(budget, entry.uncompressedSize, name, zipPath)
  await mkdir(dirname(target), { recursive: true })
  const input = await zip.openReadStreamPromise(entry)
  await pipeline(input, meter(budget, name, zipPath), createWriteStream(target))
  return name
}

/** The absolute path an entry lands on, or an error naming the entry if it would escape `root`. */
function safeTarget(name: string, root: string, zipPath: string): string {
  const refuse = (why: string) => new UnsafeZipError(`Refusing to extract ${zipPath}: entry '${name}' ${why}.`, name)
  if (name === '' || name.includes('\0')) throw refuse('has an empty or malformed name')
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || isAbsolute(name)) throw refuse('has an absolute path')
  if (name.split('/').includes('..')) throw refuse("has a '..' path segment")
  const target = resolve(root, name)
  const rel = relative(root, target)
  if (rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) throw refuse(`would be written outside ${root}`)
  return target
}

/** Errors of the zip reader become {@link CorruptZipError}; refusals and file system errors stay. */
function corruptOrNot(error: unknown, zipPath: string): Error {
  if (error instanceof UnsafeZipError || error instanceof CorruptZipError) return error
  if (error instanceof Error && 'syscall' in error) return error
  const detail = error instanceof Error ? error.message : String(error)
  return new CorruptZipError(`Cannot read ${zipPath} as a zip archive: ${detail} (the file is corrupt or truncated)`, detail)
}

/** Counts declared sizes against the cap before any byte is written. */
function charge(budget: Budget, bytes: number, name: string, zipPath: string): void {
  budget.declared += bytes
  if (budget.declared > budget.max) {
    throw new UnsafeZipError(
      `Refusing to extract ${zipPath}: at entry '${name}' its contents exceed the limit of ${budget.max} bytes uncompressed.`,
      name
    )
  }
}

/** Counts the bytes actually inflated, in case a header understates them. */
function meter(budget: Budget, name: string, zipPath: string): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, next) {
      budget.inflated += chunk.length
      if (budget.inflated > budget.max) {
        next(new UnsafeZipError(`Refusing to extract ${zipPath}: entry '${name}' inflates past the limit of ${budget.max} bytes.`, name))
        return
      }
      next(null, chunk)
    }
  })
}
