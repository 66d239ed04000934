/**
 * Reads dbt's JSON artifacts, of any size the machine can hold, keeping only what the action
 * reads. The file is read from disk in chunks and never becomes one string (V8 cannot hold one
 * over ~512 MB). Each entry of a top-level section (a node, a source, a result) is cut out of
 * the bytes and handed to `JSON.parse` on its own, so the parsing is V8's own; the fields named
 * in {@link UNREAD_FIELDS} for that section are blanked out of the entry's bytes before it is
 * parsed, so the SQL and the documentation, a third of a manifest, are never decoded into values.
 *
 * Finding where an entry ends needs no tokens: the scanner counts brackets and jumps over each
 * string, long ones with `Buffer.indexOf`. What it keeps is checked by `JSON.parse`; what it
 * leaves out is only checked to be balanced. On a 10k-node manifest the whole takes about 1.5x
 * one `JSON.parse` of the file and holds less (BENCHMARKS.md, "the artifact reader"). The file is
 * read synchronously: nothing else runs while an artifact is read.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs'

/** Fields left out of each entry of a section, by the section's name. */
export type UnreadFields = Readonly<Record<string, readonly string[]>>

/**
 * The only fields kept of each entry of a section: a field named `true` is kept whole; one named
 * with fields of its own keeps, when it is an object, only those.
 */
export interface PickedFields {
  readonly [field: string]: true | PickedFields
}

/** Which members of an entry are kept, with the keys as JSON bytes: all but `keys`, or (`only`) just them, `inner[n]` filtering the object under keys[n]. */
interface Filter {
  readonly keys: readonly Buffer[]
  readonly only: boolean
  readonly inner: ReadonlyArray<Filter | undefined>
}

const jsonKey = (key: string): Buffer => Buffer.from(JSON.stringify(key))

function unreadFilter(fields: readonly string[]): Filter {
  return { keys: fields.map(jsonKey), only: false, inner: [] }
}

function pickedFilter(fields: PickedFields): Filter {
  const names = Object.keys(fields)
  return {
    keys: names.map(jsonKey),
    only: true,
    inner: names.map((name) => {
      const field = fields[name]
      return field === true ? undefined : pickedFilter(field)
    })
  }
}

/**
 * What nothing in the action reads, by manifest section: the SQL dbt parsed and compiled (the
 * analysis reads the compiled SQL from run_results.json and target/, never from a manifest) and
 * the documentation. run_results.json has none of these sections, so it is read whole.
 */
export const UNREAD_FIELDS: UnreadFields = {
  nodes: ['raw_code', 'compiled_code', 'description', 'doc_blocks'],
  sources: ['description', 'source_description', 'doc_blocks'],
  macros: ['description'],
  docs: ['block_contents'],
  unit_tests: ['description'],
  exposures: ['description'],
  metrics: ['description'],
  semantic_models: ['description'],
  saved_queries: ['description']
}

/** Bytes read from the file at a time. */
export const CHUNK_BYTES = 4 * 1024 * 1024

/**
 * Parses the file's JSON, leaving out the `unread` fields of each section's entries. Rejects
 * with the file system's error, or a SyntaxError that names the problem and its byte offset.
 */
export async function readJsonFile(
  path: string,
  unread: UnreadFields = UNREAD_FIELDS,
  chunkBytes = CHUNK_BYTES,
  indexed: readonly string[] = []
): Promise<unknown> {
  return scanFile(path, chunkBytes, indexed, (scanner) => scanner.document(unread))
}

/**
 * Parses only the top-level members named in `picks`, each entry of an object section with only
 * the fields picked (a member picked `true` is read whole, as {@link readJsonFile} reads it with no
 * fields left out). Every other member is skipped: only checked to be balanced, never decoded.
 * For a step that reads a few fields of a big artifact, such as the safety probe's manifest.
 */
export async function readPickedJson(
  path: string,
  picks: Readonly<Record<string, true | PickedFields>>,
  chunkBytes = CHUNK_BYTES
): Promise<unknown> {
  return scanFile(path, chunkBytes, [], (scanner) => scanner.document({}, picks))
}

function scanFile(path: string, chunkBytes: number, indexed: readonly string[], read: (scanner: Scanner) => unknown): unknown {
  const fd = openSync(path, 'r')
  let kept = false
  try {
    const file = new OpenFile(fd, path)
    const scanner = new Scanner(file, chunkBytes, indexed)
    const value = read(scanner)
    kept = scanner.indexedAny
    // Every indexed section holds the file; it is closed when the last of them is collected.
    if (kept) openFiles.register(file, fd)
    return value
  } finally {
    if (!kept) closeSync(fd)
  }
}

/**
 * The sections of a big baseline manifest held as an index (see {@link readBaselineJson}): all
 * but `metadata`, whose few fields are read whole.
 */
export const INDEXED_SECTIONS: readonly string[] = [
  'nodes',
  'sources',
  'macros',
  'docs',
  'exposures',
  'metrics',
  'groups',
  'selectors',
  'disabled',
  'parent_map',
  'child_map',
  'group_map',
  'saved_queries',
  'semantic_models',
  'unit_tests',
  'functions'
]

/** From this size on, a baseline manifest is held as an index rather than as values. */
export const INDEX_FROM_BYTES = 256 * 1024 * 1024

/**
 * Reads a baseline manifest. Up to {@link INDEX_FROM_BYTES} it is read as {@link readJsonFile}
 * reads any artifact. A bigger one keeps, for each entry of its sections, only where the entry
 * lies in the file: each entry is still parsed once here, so a file that is not JSON is refused
 * now as it would be otherwise, and parsed again, from the file, when it is read. The sections
 * are read-only objects that hold the last entries read; a pass over all of one goes through
 * {@link entriesOf}, which keeps none. A gigabyte manifest then costs its keys and offsets,
 * not its values (BENCHMARKS.md, `big-baseline`). The file stays open while the value is held.
 */
export async function readBaselineJson(path: string, indexFromBytes = INDEX_FROM_BYTES): Promise<unknown> {
  return readJsonFile(path, UNREAD_FIELDS, CHUNK_BYTES, statSync(path).size >= indexFromBytes ? INDEXED_SECTIONS : [])
}

/** How a step asks for an artifact: `index` for a baseline, `pick` for only some fields. */
export interface ReadHow {
  /** A baseline manifest: indexed when big (see {@link readBaselineJson}). */
  index?: boolean
  /** Only these sections and fields (see {@link readPickedJson}). */
  pick?: Readonly<Record<string, true | PickedFields>>
}

/** How the action reads an artifact: whole, as a baseline, or only the fields picked. */
export async function readArtifact(path: string, how?: ReadHow): Promise<unknown> {
  if (how?.pick) return readPickedJson(path, how.pick)
  return how?.index ? readBaselineJson(path) : readJsonFile(path)
}

/**
 * The entries of one section of an artifact, one at a time: for an indexed section (see
 * {@link readBaselineJson}) each is parsed as it is reached and kept by nobody but the caller,
 * so a pass over a gigabyte of nodes holds one node at a time. For any other object, its entries.
 */
export function entriesOf(section: object): Iterable<[string, unknown]> {
  const index = indexOf.get(section)
  return index ? index.entries() : Object.entries(section)
}

/** Whether the section is indexed (read-only; its entries read from the file on demand). */
export function isIndexed(section: unknown): boolean {
  return typeof section === 'object' && section !== null && indexOf.has(section)
}

/** An indexed artifact's file no longer holds, where it did, the entry being read. */
export class ArtifactChangedError extends Error {
  constructor(path: string, start: number, why: string, options?: ErrorOptions) {
    super(`${path} changed on disk after it was read: the entry at byte ${start} ${why}`, options)
    this.name = 'ArtifactChangedError'
  }
}

/** An artifact file that indexed sections read from. */
class OpenFile {
  constructor(
    readonly fd: number,
    readonly path: string
  ) {}
}

/** Closes the file of indexed sections once none is held. */
const openFiles = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd)
  } catch {
    // Already closed: nothing to do.
  }
})

/** Bytes read at a time when an indexed section's keys are found. */
const SPAN_CHUNK_BYTES = 1024 * 1024

/** How many entries of an indexed section stay parsed after they are read (a lookup's cache). */
const KEPT_ENTRIES = 4096

const indexOf = new WeakMap<object, EntryIndex>()

/** Where each entry of one section lies in the file, and the entries read last. */
class EntryIndex {
  /** Each key's slot; made when the section is first read, so a section nobody reads costs nothing. */
  private slots: Map<string, number> | undefined
  /** [start, length] of slot n at 2n, 2n + 1. */
  private readonly spans: number[] = []
  private readonly kept = new Map<string, unknown>()
  private order: string[] | undefined
  private readonly blank: number[] = []
  private buf = Buffer.alloc(0)

  constructor(
    private readonly file: OpenFile,
    private readonly filter: Filter | undefined,
    /** The file offset of the section's `{`. */
    private readonly start: number
  ) {}

  private get slot(): Map<string, number> {
    if (!this.slots) {
      this.slots = new Map()
      try {
        new Scanner(this.file, SPAN_CHUNK_BYTES, [], this.start).spans(this)
      } catch (error) {
        this.slots = undefined
        this.spans.length = 0
        throw error instanceof SyntaxError
          ? new ArtifactChangedError(this.file.path, this.start, `is not the section it was (${error.message})`)
          : error
      }
    }
    return this.slots
  }

  add(key: string, start: number, length: number): void {
    const n = this.slots!.get(key)
    if (n === undefined) {
      this.slots!.set(key, this.spans.length / 2)
      this.spans.push(start, length)
    } else {
      // A repeated key: JSON.parse keeps the last value at the first one's place.
      this.spans[2 * n] = start
      this.spans[2 * n + 1] = length
    }
  }

  has(key: string): boolean {
    return this.slot.has(key)
  }

  get(key: string): unknown {
    const held = this.kept.get(key)
    if (held !== undefined) return held
    const n = this.slot.get(key)
    if (n === undefined) return undefined
    if (this.kept.size >= KEPT_ENTRIES) this.kept.clear()
    const value = this.read(n)
    this.kept.set(key, value)
    return value
  }

  /** The keys in the order JSON.parse gives an object's: array indexes first, ascending. */
  keys(): string[] {
    if (!this.order) {
      const all = [...this.slot.keys()]
      const indexes = all.filter(isArrayIndex)
      this.order = indexes.length ? [...indexes.sort((a, b) => Number(a) - Number(b)), ...all.filter((k) => !isArrayIndex(k))] : all
    }
    return this.order
  }

  *entries(): Generator<[string, unknown]> {
    for (const key of this.keys()) yield [key, this.kept.get(key) ?? this.read(this.slot.get(key)!)]
  }

  private read(n: number): unknown {
    const start = this.spans[2 * n]
    const length = this.spans[2 * n + 1]
    if (this.buf.length < length) this.buf = Buffer.allocUnsafe(Math.max(length, 2 * this.buf.length))
    const buf = this.buf
    let got = 0
    while (got < length) {
      const read = readSync(this.file.fd, buf, got, length - got, start + got)
      if (read === 0) break
      got += read
    }
    const filtered = this.filter && buf[0] === OPEN_OBJECT ? this.filter : undefined
    this.blank.length = 0
    const end = got === length && filtered ? entryEnd(buf, 0, length, filtered, this.blank) : length
    if (got !== length || end !== length) throw new ArtifactChangedError(this.file.path, start, 'is no longer where it was')
    if (filtered) for (let r = 0; r < this.blank.length; r += 2) buf.fill(0x20, this.blank[r], this.blank[r + 1])
    try {
      return JSON.parse(buf.toString('utf8', 0, length)) as unknown
    } catch (error) {
      throw new ArtifactChangedError(this.file.path, start, `is not JSON (${(error as Error).message})`, { cause: error })
    }
  }

  /** The read-only object the section reads as. */
  view(): object {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const index = this
    const own = (key: string | symbol): key is string => typeof key === 'string' && index.has(key)
    const view = new Proxy(Object.create(Object.prototype) as object, {
      get: (target, key, receiver) => (own(key) ? index.get(key) : Reflect.get(target, key, receiver)),
      has: (target, key) => own(key) || Reflect.has(target, key),
      ownKeys: () => index.keys(),
      getOwnPropertyDescriptor: (_target, key) =>
        own(key) ? { configurable: true, enumerable: true, get: () => index.get(key), set: undefined } : undefined,
      set: () => false,
      defineProperty: () => false,
      deleteProperty: () => false,
      setPrototypeOf: () => false,
      preventExtensions: () => false
    })
    indexOf.set(view, this)
    return view
  }
}

function isArrayIndex(key: string): boolean {
  return /^(?:0|[1-9]\d{0,9})$/.test(key) && Number(key) < 4294967295
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d

/** What a scan returns when the value goes on past the bytes held. */
const MORE = -1
/** What a scan returns at a byte that cannot be there; {@link wrongAt} is its index. */
const WRONG = -2
let wrongAt = 0

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

function spaceEnd(buf: Buffer, i: number, len: number): number {
  while (i < len && isSpace(buf[i])) i++
  return i
}

/** The index after the string whose contents start at i, or MORE. */
function stringEnd(buf: Buffer, i: number, len: number): number {
  // Most strings are short: a byte loop beats a call into indexOf for them.
  const stop = Math.min(len, i + 32)
  for (; i < stop; i++) {
    const b = buf[i]
    if (b === QUOTE) return i + 1
    if (b === BACKSLASH) i++
  }
  if (i >= len) return MORE
  for (;;) {
    const q = buf.indexOf(QUOTE, i)
    if (q < 0 || q >= len) return MORE
    let slashes = 0
    while (buf[q - 1 - slashes] === BACKSLASH) slashes++
    if ((slashes & 1) === 0) return q + 1
    i = q + 1
  }
}

/** The index after the value starting at i (checking only that brackets and strings close), MORE or WRONG. */
function valueEnd(buf: Buffer, i: number, len: number): number {
  const c = buf[i]
  if (c === QUOTE) return stringEnd(buf, i + 1, len)
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0
    while (i < len) {
      const b = buf[i]
      if (b === QUOTE) {
        i = stringEnd(buf, i + 1, len)
        if (i < 0) return MORE
        continue
      }
      if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++
      else if ((b === CLOSE_OBJECT || b === CLOSE_ARRAY) && --depth === 0) return i + 1
      i++
    }
    return MORE
  }
  if (c === CLOSE_OBJECT || c === CLOSE_ARRAY || c === COMMA || c === COLON) {
    wrongAt = i
    return WRONG
  }
  // A number, true, false or null: up to the next delimiter; JSON.parse judges it if kept.
  while (i < len) {
    const b = buf[i]
    if (b === COMMA || b === CLOSE_OBJECT || b === CLOSE_ARRAY || isSpace(b)) return i
    i++
  }
  return MORE
}

/** Which of `keys` (each a JSON string's bytes, quotes included) the key at [from, to) is; -1 if none. */
function keyIndex(buf: Buffer, from: number, to: number, keys: readonly Buffer[]): number {
  const length = to - from
  for (let k = 0; k < keys.length; k++) {
    const key = keys[k]
    if (key.length !== length) continue
    let i = 1
    while (i < length && key[i] === buf[from + i]) i++
    if (i === length) return k
  }
  return -1
}

/**
 * Walks the object starting at i, pushing onto `blank` the [from, to) of the bytes to blank out
 * so that what is left is the object with only the members `filter` keeps: a member left out
 * goes with the comma after it, or the last one with the comma before it. A kept member with a
 * filter of its own is walked the same way. The index after the object, MORE or WRONG.
 */
function entryEnd(buf: Buffer, i: number, len: number, filter: Filter, blank: number[]): number {
  let keptEnd = i + 1
  i = spaceEnd(buf, i + 1, len)
  if (i >= len) return MORE
  if (buf[i] === CLOSE_OBJECT) return i + 1
  for (;;) {
    i = spaceEnd(buf, i, len)
    if (i >= len) return MORE
    if (buf[i] !== QUOTE) return wrong(i)
    const keyStart = i
    i = stringEnd(buf, i + 1, len)
    if (i < 0) return MORE
    const keyEnd = i
    i = spaceEnd(buf, i, len)
    if (i >= len) return MORE
    if (buf[i] !== COLON) return wrong(i)
    i = spaceEnd(buf, i + 1, len)
    if (i >= len) return MORE
    const k = keyIndex(buf, keyStart, keyEnd, filter.keys)
    const left = k >= 0 !== filter.only
    const inner = left || k < 0 ? undefined : filter.inner[k]
    i = inner && buf[i] === OPEN_OBJECT ? entryEnd(buf, i, len, inner, blank) : valueEnd(buf, i, len)
    if (i < 0) return i
    if (!left) keptEnd = i
    const valueStop = i
    i = spaceEnd(buf, i, len)
    if (i >= len) return MORE
    const c = buf[i]
    if (c === CLOSE_OBJECT) {
      if (left) blank.push(keptEnd, valueStop)
      return i + 1
    }
    if (c !== COMMA) return wrong(i)
    i++
    if (left) blank.push(keyStart, i)
  }
}

function wrong(i: number): number {
  wrongAt = i
  return WRONG
}

/** What a member's reader returns for a member left out of the value. */
const SKIPPED = Symbol('skipped')

/** A window on the file; the bytes from pos on stay in it while more are read. */
class Scanner {
  private buf: Buffer
  private len = 0
  /** The file offset of buf[0]. */
  private base = 0
  private pos = 0
  private eof = false
  private readonly blank: number[] = []
  /** The filter of the section being read, for {@link entryScan}. */
  private filter: Filter = unreadFilter([])
  // The scans, made once: a closure made per call would be garbage per entry.
  private readonly keyScan = (buf: Buffer, i: number, len: number): number => stringEnd(buf, i + 1, len)
  private readonly entryScan = (buf: Buffer, i: number, len: number): number => {
    this.blank.length = 0
    return entryEnd(buf, i, len, this.filter, this.blank)
  }

  /** Whether a section was indexed, so the file must stay open. */
  indexedAny = false

  constructor(
    private readonly file: OpenFile,
    chunkBytes: number,
    private readonly indexed: readonly string[] = [],
    /** The file offset to read from. */
    start = 0
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(16, chunkBytes))
    this.base = start
  }

  document(unread: UnreadFields, picks?: Readonly<Record<string, true | PickedFields>>): unknown {
    this.space()
    let value: unknown
    if (this.at() === OPEN_OBJECT) {
      const top: Record<string, unknown> = {}
      this.members((key) => {
        const c = this.at()
        if (picks) {
          if (!Object.hasOwn(picks, key)) {
            this.pos = this.scan(valueEnd)
            return SKIPPED
          }
          const pick = picks[key]
          if (c === OPEN_OBJECT) return this.section(pick === true ? undefined : pickedFilter(pick))
          return c === OPEN_ARRAY ? this.list() : this.whole()
        }
        if (c === OPEN_OBJECT) {
          const left = Object.hasOwn(unread, key) ? unreadFilter(unread[key]) : undefined
          return this.indexed.includes(key) ? this.index(left) : this.section(left)
        }
        if (c === OPEN_ARRAY) return this.list()
        return this.whole()
      }, top)
      value = top
    } else {
      value = this.whole()
    }
    this.space()
    if (this.pos < this.len || this.fill()) this.fail(`Unexpected ${this.shown()} after the JSON value`)
    return value
  }

  /** An object whose entries are parsed one by one, each without the `unread` fields. */
  private section(unread: Filter | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    this.members(() => (unread && this.at() === OPEN_OBJECT ? this.entry(unread) : this.whole()), out)
    return out
  }

  /**
   * An object held as an {@link EntryIndex}: each entry is parsed as {@link section} parses it,
   * to be sure it is JSON, and let go; only its key and its place in the file are kept.
   */
  private index(unread: Filter | undefined): object {
    const index = new EntryIndex(this.file, unread, this.base + this.pos)
    this.indexedAny = true
    this.members(() => (unread && this.at() === OPEN_OBJECT ? this.entry(unread) : this.whole()))
    return index.view()
  }

  /** Adds each entry of the object at pos to `index`: its key and where it lies, unparsed (it was checked when first read). */
  spans(index: EntryIndex): void {
    this.space()
    if (this.at() !== OPEN_OBJECT) this.fail(`Expected '{' but found ${this.shown()}`)
    this.members((key) => {
      const start = this.base + this.pos
      const end = this.scan(valueEnd)
      // The scan may have moved the window: the entry's length is from file offsets.
      index.add(key, start, this.base + end - start)
      this.pos = end
    })
  }

  /** An array whose elements are parsed one by one. */
  private list(): unknown[] {
    const out: unknown[] = []
    this.pos++
    this.space()
    if (this.at() === CLOSE_ARRAY) {
      this.pos++
      return out
    }
    for (;;) {
      this.space()
      out.push(this.whole())
      this.space()
      const c = this.at()
      if (c === CLOSE_ARRAY) {
        this.pos++
        return out
      }
      if (c !== COMMA) this.fail(`Expected ',' or ']' but found ${this.shown(c)}`)
      this.pos++
    }
  }

  /** Calls `value` for each member of the object at pos, storing what it returns under the key. */
  private members(value: (key: string) => unknown, out?: Record<string, unknown>): void {
    this.pos++
    this.space()
    if (this.at() === CLOSE_OBJECT) {
      this.pos++
      return
    }
    for (;;) {
      this.space()
      if (this.at() !== QUOTE) this.fail(`Expected a key in double quotes but found ${this.shown()}`)
      const key = this.key()
      this.space()
      if (this.at() !== COLON) this.fail(`Expected ':' but found ${this.shown()}`)
      this.pos++
      this.space()
      this.at()
      const v = value(key)
      if (out && v !== SKIPPED) set(out, key, v)
      this.space()
      const c = this.at()
      if (c === CLOSE_OBJECT) {
        this.pos++
        return
      }
      if (c !== COMMA) this.fail(`Expected ',' or '}' but found ${this.shown(c)}`)
      this.pos++
    }
  }

  /** The object at pos, parsed without its `unread` members. */
  private entry(filter: Filter): unknown {
    this.filter = filter
    const end = this.scan(this.entryScan)
    const blank = this.blank
    for (let r = 0; r < blank.length; r += 2) this.buf.fill(0x20, blank[r], blank[r + 1])
    const startAt = this.base + this.pos
    const text = this.buf.toString('utf8', this.pos, end)
    this.pos = end
    return this.parse(text, startAt)
  }

  /** The value at pos, parsed whole. */
  private whole(): unknown {
    const end = this.scan(valueEnd, true)
    const startAt = this.base + this.pos
    const text = this.buf.toString('utf8', this.pos, end)
    this.pos = end
    return this.parse(text, startAt)
  }

  private key(): string {
    const end = this.scan(this.keyScan)
    let escaped = false
    for (let i = this.pos + 1; i < end - 1 && !escaped; i++) escaped = this.buf[i] === BACKSLASH
    const key = escaped
      ? (this.parse(this.buf.toString('utf8', this.pos, end), this.base + this.pos) as string)
      : this.buf.toString('utf8', this.pos + 1, end - 1)
    this.pos = end
    return key
  }

  /**
   * Where the value at pos ends, by `find`, reading more of the file until it is all held. At the
   * end of the file a value still open is an error, except a number or literal when `last` may be.
   */
  private scan(find: (buf: Buffer, i: number, len: number) => number, last = false): number {
    for (;;) {
      const end = find(this.buf, this.pos, this.len)
      if (end >= 0) return end
      if (end === WRONG) {
        this.pos = wrongAt
        this.fail(`Unexpected ${this.shown()}`)
      }
      if (!this.fill()) {
        const c = this.buf[this.pos]
        if (last && c !== QUOTE && c !== OPEN_OBJECT && c !== OPEN_ARRAY) return this.len
        this.fail('Unexpected end of JSON input')
      }
    }
  }

  /** The byte at pos, reading more when the window is used up; fails at the end of the file. */
  private at(): number {
    if (this.pos >= this.len && !this.fill()) this.fail('Unexpected end of JSON input')
    return this.buf[this.pos]
  }

  private space(): void {
    for (;;) {
      this.pos = spaceEnd(this.buf, this.pos, this.len)
      if (this.pos < this.len || !this.fill()) return
    }
  }

  /**
   * Reads more of the file after the bytes held; false at its end. The bytes before pos are
   * dropped first; the window doubles when the bytes from pos on fill it.
   */
  private fill(): boolean {
    if (this.eof) return false
    if (this.pos > 0) {
      this.buf.copy(this.buf, 0, this.pos, this.len)
      this.len -= this.pos
      this.base += this.pos
      this.pos = 0
    }
    if (this.len === this.buf.length) {
      const bigger = Buffer.allocUnsafe(this.buf.length * 2)
      this.buf.copy(bigger, 0, 0, this.len)
      this.buf = bigger
    }
    const read = readSync(this.file.fd, this.buf, this.len, this.buf.length - this.len, this.base + this.len)
    if (read === 0) {
      this.eof = true
      return false
    }
    this.len += read
    return true
  }

  private parse(text: string, at: number): unknown {
    try {
      return JSON.parse(text) as unknown
    } catch (error) {
      throw new SyntaxError(`${(error as Error).message} (in the value at byte ${at} of ${this.file.path})`, { cause: error })
    }
  }

  private shown(c = this.buf[this.pos]): string {
    return this.pos < this.len ? `'${String.fromCharCode(c)}'` : 'the end of the input'
  }

  private fail(message: string): never {
    throw new SyntaxError(`${message} at byte ${this.base + this.pos} of ${this.file.path}`)
  }
}

/** obj[key] = value, where a key named __proto__ is an own property as JSON.parse makes it. */
function set(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true })
  else out[key] = value
}
