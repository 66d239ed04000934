/**
 * Mutations of JSON documents for the property tests: a mutation is a small plan (where to go,
 * what to do there) that fast-check generates and shrinks; applying it copies only the
 * containers on the way to the mutated field, so a large seed (a real manifest) is never cloned
 * whole and stays frozen.
 */
import fc from 'fast-check'

/** What a mutation does at the field it reaches. */
export const MUTATION_KINDS = [
  'drop',
  'swap-type',
  'huge-string',
  'deep-nesting',
  'proto-key',
  'proto-string',
  'unicode',
  'empty',
  'duplicate',
  'vocabulary'
] as const

/** One kind of mutation. */
export type MutationKind = (typeof MUTATION_KINDS)[number]

/** One mutation: a start path (by index into the focus list), a walk from there, a kind, a choice. */
export interface Mutation {
  /** Index (modulo) into the focus paths: where the walk starts. */
  focus: number
  /** Each step picks a child (modulo the number of children); the walk stops at a leaf. */
  steps: number[]
  kind: MutationKind
  /** Picks among the values or keys the kind draws from. */
  pick: number
}

/** Generates one to four mutations. */
export const mutationsArb: fc.Arbitrary<Mutation[]> = fc.array(
  fc.record({
    focus: fc.nat(),
    steps: fc.array(fc.nat(), { maxLength: 6 }),
    kind: fc.constantFrom(...MUTATION_KINDS),
    pick: fc.nat()
  }),
  { minLength: 1, maxLength: 4 }
)

/** How values too large to describe are put in: as themselves (parsed form) or as a marker (text form). */
export interface Inserts {
  /** The value of a deep-nesting mutation. */
  deep: unknown
}

type Container = Record<string, unknown> | unknown[]

const HUGE = ['x'.repeat(1_000_000), '<b>|`*_@#1 [a](b) \n'.repeat(50_000), '\u{1F600}'.repeat(300_000)]
const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', 'valueOf']
const UNICODE = [
  '\u0000\u0001\u001f\u007f',
  '\u202e\u2066RTL\u2069',
  '\u200d\u200b\ufeff',
  '\ud800 lone surrogate \udfff',
  'e\u0301\u0308\u20dd',
  '\r\n\u2028\u2029\t\v\f',
  '</details></pre><!-- -->',
  '`code` | pipe | *bold* @someone #12 http://x.test'
]
const SWAPS: unknown[] = [null, true, false, 0, -1, 1.5, 1e308, '', 'x', '0', [], [1, 'a'], {}, { a: 1 }]

/** Walks through the containers of `root` along `path` as far as it exists. */
function existing(root: unknown, path: readonly string[]): string[] {
  const out: string[] = []
  let at = root
  for (const key of path) {
    if (!isContainer(at) || !Object.hasOwn(at, key)) break
    out.push(key)
    at = (at as Record<string, unknown>)[key]
  }
  return out
}

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null
}

function childAt(value: unknown, key: string): unknown {
  return (value as Record<string, unknown>)[key]
}

/** The path a mutation reaches: its focus path, then its steps through whatever is there. */
export function pathOf(root: unknown, focus: readonly (readonly string[])[], m: Mutation): string[] {
  const path = existing(root, focus[m.focus % focus.length] ?? [])
  let at = path.reduce(childAt, root)
  for (const step of m.steps) {
    if (!isContainer(at)) break
    const keys = Object.keys(at)
    if (keys.length === 0) break
    const key = keys[step % keys.length]
    path.push(key)
    at = childAt(at, key)
  }
  return path
}

/** Sets an own property, `__proto__` included (plain assignment would change the prototype). */
function put(target: Container, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
}

function copyOf(value: Container): Container {
  return Array.isArray(value) ? [...value] : { ...value }
}

/** A value of another JSON type than `value`. */
function swapped(value: unknown, pick: number): unknown {
  const others = SWAPS.filter((s) => typeof s !== typeof value || Array.isArray(s) !== Array.isArray(value))
  return others[pick % others.length]
}

/** Changes field `key` of `parent` (already a copy) as the mutation says. */
function applyAt(parent: Container, key: string, m: Mutation, vocabulary: readonly string[], inserts: Inserts): void {
  const value = childAt(parent, key)
  const asArray = Array.isArray(parent) ? parent : undefined
  switch (m.kind) {
    case 'drop':
      if (asArray) asArray.splice(Number(key), 1)
      else delete (parent as Record<string, unknown>)[key]
      return
    case 'swap-type':
      return put(parent, key, swapped(value, m.pick))
    case 'huge-string':
      return put(parent, key, HUGE[m.pick % HUGE.length])
    case 'deep-nesting':
      return put(parent, key, inserts.deep)
    case 'proto-key':
      return protoKey(parent, key, value, PROTO_KEYS[m.pick % PROTO_KEYS.length])
    case 'proto-string':
      return put(parent, key, PROTO_KEYS[m.pick % PROTO_KEYS.length])
    case 'unicode':
      return put(parent, key, `${typeof value === 'string' ? value : ''}${UNICODE[m.pick % UNICODE.length]}`)
    case 'empty':
      return put(parent, key, m.pick % 2 === 0 ? {} : [])
    case 'duplicate':
      if (asArray) asArray.splice(Number(key), 0, value)
      else put(parent, `${key}${'.dup'.repeat(1 + (m.pick % 2))}`, value)
      return
    case 'vocabulary':
      return put(parent, key, vocabulary[m.pick % vocabulary.length])
  }
}

/** Renames a key to a prototype's key (in an object), or wraps the value under one (in an array). */
function protoKey(parent: Container, key: string, value: unknown, name: string): void {
  if (Array.isArray(parent)) {
    const wrapped = {}
    put(wrapped, name, value)
    return put(parent, key, wrapped)
  }
  delete parent[key]
  put(parent, name, value)
}

/**
 * Applies one mutation to `root` without changing it: returns the mutated copy and the path,
 * printable. At the root itself, the whole document is replaced (or emptied, for `drop`).
 */
export function mutate(
  root: unknown,
  focus: readonly (readonly string[])[],
  m: Mutation,
  vocabulary: readonly string[],
  inserts: Inserts
): { value: unknown; where: string } {
  const path = pathOf(root, focus, m)
  const where = `${m.kind} at ${path.length === 0 ? '(root)' : path.map((k) => JSON.stringify(k)).join('.')}`
  if (path.length === 0) {
    const holder: Container = [root]
    applyAt(holder, '0', m.kind === 'drop' ? { ...m, kind: 'empty' } : m, vocabulary, inserts)
    return { value: holder[0], where }
  }
  const rebuild = (at: unknown, depth: number): unknown => {
    const copy = copyOf(at as Container)
    const key = path[depth]
    if (depth === path.length - 1) applyAt(copy, key, m, vocabulary, inserts)
    else put(copy, key, rebuild(childAt(at, key), depth + 1))
    return copy
  }
  return { value: rebuild(root, 0), where }
}

/** Applies every mutation in turn; `where` lists them. */
export function mutateAll(
  root: unknown,
  focus: readonly (readonly string[])[],
  ms: readonly Mutation[],
  vocabulary: readonly string[],
  inserts: Inserts
): { value: unknown; where: string[] } {
  let value = root
  const where: string[] = []
  for (const m of ms) {
    const r = mutate(value, focus, m, vocabulary, inserts)
    value = r.value
    where.push(r.where)
  }
  return { value, where }
}

/** Freezes a parsed document all the way down, so that code under test cannot change a seed. */
export function deepFreeze<T>(value: T): T {
  if (isContainer(value) && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) deepFreeze(childAt(value, key))
  }
  return value
}

/** `levels` arrays, each holding the next. */
export function nestedArrays(levels: number): unknown {
  let value: unknown = []
  for (let n = 1; n < levels; n++) value = [value]
  return value
}

/** The marker a text-form document holds where the deep value goes (replaced after stringifying). */
export const DEEP_MARKER = '\u0000deep-nesting-marker\u0000'

/** JSON text of a mutated document, the deep-nesting marker replaced by `levels` nested arrays. */
export function toText(value: unknown, levels: number): string {
  const text = JSON.stringify(value) ?? 'null'
  return text.replaceAll(JSON.stringify(DEEP_MARKER), `${'['.repeat(levels)}${']'.repeat(levels)}`)
}
