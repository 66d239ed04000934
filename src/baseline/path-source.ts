/**
 * Source `path`: a manifest already on disk (downloaded by an earlier step, checked in, on a
 * shared volume). The user's file is only read: it is copied into the action's state directory.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, mkdir, stat } from 'node:fs/promises'
import type { Stats } from 'node:fs'
import { join, resolve } from 'node:path'
import type { DeferredEnv, PathSourceSettings } from '../settings.js'
import { BaselineConfigError, BaselineServiceError, messageOf } from './errors.js'
import type { Baseline, BaselineSource, SearchReport } from './types.js'

/** What the path source needs besides its settings. */
export interface PathSourceDeps {
  /** Directory relative paths are resolved against (the workspace). */
  baseDir: string
}

const inputOf: Record<DeferredEnv, string> = { production: 'state-path', staging: 'staging-state-path' }

/** Creates the `path` source. Staging is configured exactly when `staging` is set. */
export function createPathSource(settings: PathSourceSettings, deps: PathSourceDeps): BaselineSource {
  return {
    kind: 'path',
    stagingConfigured: async () => Boolean(settings.staging),
    fetch: (env, destDir) => fetchPath(settings[env], env, resolve(deps.baseDir), destDir)
  }
}

async function fetchPath(
  configured: string | undefined,
  env: DeferredEnv,
  baseDir: string,
  destDir: string
): Promise<Baseline | SearchReport> {
  if (!configured) {
    throw new BaselineConfigError(
      `The baseline source is \`path\` and ${env} was chosen, but the input \`${inputOf[env]}\` is empty. ` +
        `Set it to the ${env} manifest.json (or a directory holding it)${env === 'staging' ? ', or set `defer-env: production`' : ''}.`,
      inputOf[env]
    )
  }
  const file = await locateManifest(configured, resolve(baseDir, configured), env)
  if (typeof file !== 'string') return file
  const manifestPath = join(destDir, 'manifest.json')
  await copyInto(file, manifestPath, env)
  const sha = await sha256File(manifestPath)
  return { env, source: 'path', identity: `path:${sha}`, location: file, manifestPath }
}

/** The manifest file the setting names, or what was searched when there is none. */
async function locateManifest(configured: string, absolute: string, env: DeferredEnv): Promise<string | SearchReport> {
  const found = await statOrMissing(absolute, env)
  if (!found) return { searched: [`${configured}: does not exist`] }
  if (!found.isDirectory()) return regularFile(absolute, found, env)
  const inDir = join(absolute, 'manifest.json')
  const file = await statOrMissing(inDir, env)
  if (!file)
    return { searched: [`${join(configured, 'manifest.json')}: does not exist (the directory ${configured} has no manifest.json)`] }
  if (file.isDirectory()) {
    throw new BaselineConfigError(
      `${inDir} is a directory; the input \`${inputOf[env]}\` must name manifest.json or the directory holding it.`,
      inputOf[env]
    )
  }
  return regularFile(inDir, file, env)
}

/** `path` when it is a regular file; reading a FIFO, socket or device could block forever. */
function regularFile(path: string, stats: Stats, env: DeferredEnv): string {
  if (stats.isFile()) return path
  throw new BaselineConfigError(
    `The input \`${inputOf[env]}\` names ${path}, which is ${kindOf(stats)}, not a regular file; it is not read, since reading it could wait forever. ` +
      'Point the input at the manifest.json file written by dbt (or the directory holding it); copy the manifest to a file first if it arrives through a pipe.',
    inputOf[env]
  )
}

function kindOf(stats: Stats): string {
  if (stats.isFIFO()) return 'a named pipe (FIFO)'
  if (stats.isSocket()) return 'a socket'
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device'
  return 'not a regular file'
}

async function statOrMissing(path: string, env: DeferredEnv): Promise<Stats | undefined> {
  try {
    return await stat(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new BaselineServiceError(
      `Cannot read ${path} (input \`${inputOf[env]}\`): ${messageOf(error)}. Make the file readable by the runner's user.`
    )
  }
}

async function copyInto(file: string, manifestPath: string, env: DeferredEnv): Promise<void> {
  if (resolve(file) === resolve(manifestPath)) return
  try {
    await mkdir(join(manifestPath, '..'), { recursive: true })
    await copyFile(file, manifestPath)
  } catch (error) {
    throw new BaselineServiceError(
      `Cannot read ${file} (input \`${inputOf[env]}\`): ${messageOf(error)}. Make the file readable by the runner's user.`
    )
  }
}

/** Hex sha256 of a file's content, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
