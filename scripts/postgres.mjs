#!/usr/bin/env node
// A throw-away PostgreSQL server for the tests and the demo: finds the server binaries (installing
// Debian's `postgresql` package when running as root without them), initdb's a cluster in a temp
// directory and starts it on 127.0.0.1 on a free port, its Unix socket in that same directory.
// The server refuses to run as root, so as root every server program runs as the `postgres`
// user that the Debian package creates. Run directly for a server to use by hand:
//   node scripts/postgres.mjs        (prints the PG* variables, stops on Ctrl-C)
import { spawnSync } from 'node:child_process'
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Set for the tests by the jest global setup: `ready`, or `unavailable` (reason in PG_ERROR_VAR). */
export const PG_FLAG_VAR = 'DBT_DEFER_TEST_PG'
/** Why the server could not be started. */
export const PG_ERROR_VAR = 'DBT_DEFER_TEST_PG_ERROR'
/** Directory of the server programs (psql among them); may be set by hand to choose a server. */
export const PG_BIN_VAR = 'DBT_DEFER_TEST_PG_BIN'

const SERVER_USER = 'postgres'
const DATABASE = 'jaffle'
const DEBIAN_ROOT = '/usr/lib/postgresql'

/** Runs a program with an argv; returns its exit status and output. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts })
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim()
  return { status: r.error ? -1 : (r.status ?? -1), output: r.error ? r.error.message : output }
}

function must(cmd, args, opts) {
  const r = run(cmd, args, opts)
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}:\n${r.output}`)
  return r.output
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0

function hasServer(bin) {
  return ['initdb', 'pg_ctl', 'postgres', 'psql'].every((p) => existsSync(join(bin, p)))
}

/** The newest server bin directory: an explicit one, Debian's layout, or pg_config's. */
export function findServerBin(explicit) {
  if (explicit) return hasServer(explicit) ? explicit : undefined
  if (existsSync(DEBIAN_ROOT)) {
    const versions = readdirSync(DEBIAN_ROOT)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a))
    for (const v of versions) if (hasServer(join(DEBIAN_ROOT, v, 'bin'))) return join(DEBIAN_ROOT, v, 'bin')
  }
  const config = run('pg_config', ['--bindir'])
  if (config.status === 0 && hasServer(config.output)) return config.output
  return undefined
}

/** Installs Debian's postgresql package (root only: CI machines and containers). */
function installServer(log) {
  if (!isRoot()) {
    throw new Error(
      'No PostgreSQL server binaries were found (looked in /usr/lib/postgresql/*/bin and pg_config --bindir), ' +
        'and installing them needs root. Install the server (e.g. `sudo apt-get install postgresql`) ' +
        'or set DBT_DEFER_TEST_PG_BIN to the directory holding initdb, pg_ctl, postgres and psql.'
    )
  }
  if (run('apt-get', ['--version']).status !== 0) {
    throw new Error('No PostgreSQL server binaries were found and apt-get is not available to install them.')
  }
  log("No PostgreSQL server binaries found: installing Debian's postgresql package (apt-get)...")
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  must('apt-get', ['update'], { env })
  must('apt-get', ['install', '-y', '--no-install-recommends', 'postgresql'], { env })
}

/** Makes sure server binaries exist; returns their directory. */
export function ensureServerBin({ explicit, log = console.log } = {}) {
  let bin = findServerBin(explicit)
  if (bin) return bin
  if (explicit) throw new Error(`DBT_DEFER_TEST_PG_BIN=${explicit} does not hold initdb, pg_ctl, postgres and psql.`)
  installServer(log)
  bin = findServerBin()
  if (!bin) throw new Error('apt-get installed postgresql but no server binaries appeared under /usr/lib/postgresql/*/bin.')
  return bin
}

/** argv prefix that runs a server program as the unprivileged server user when we are root. */
function asServerUser(program) {
  if (!isRoot()) return [program, []]
  if (run('id', ['-u', SERVER_USER]).status !== 0) {
    throw new Error(`Running as root, but there is no '${SERVER_USER}' user to run the server as (the Debian package creates it).`)
  }
  if (existsSync('/usr/sbin/runuser') || run('runuser', ['--help']).status === 0) {
    return ['runuser', ['-u', SERVER_USER, '--', program]]
  }
  const uid = must('id', ['-u', SERVER_USER])
  const gid = must('id', ['-g', SERVER_USER])
  return ['setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--init-groups', '--', program]]
}

function serverRun(bin, program, args) {
  const [cmd, prefix] = asServerUser(join(bin, program))
  return must(cmd, [...prefix, ...args], { cwd: tmpdir() })
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** True when every directory above `dir` lets other users through (the server user must reach it). */
function traversableByOthers(dir) {
  for (let d = dir; ; d = dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false
    if (dirname(d) === d) return true
  }
}

/** A fresh cluster directory, owned by the server user when we are root. */
function makeClusterDir() {
  // As root, a TMPDIR under /root would be out of the server user's reach.
  const parent = isRoot() && !traversableByOthers(tmpdir()) ? '/tmp' : tmpdir()
  const dir = mkdtempSync(join(parent, 'dbt-defer-pg-'))
  if (isRoot()) {
    chownSync(dir, Number(must('id', ['-u', SERVER_USER])), Number(must('id', ['-g', SERVER_USER])))
  }
  return dir
}

function configure(dataDir, dir, port) {
  // Durability is pointless for a cluster that lives for one test run.
  appendFileSync(
    join(dataDir, 'postgresql.conf'),
    [
      '',
      "listen_addresses = '127.0.0.1'",
      `port = ${port}`,
      `unix_socket_directories = '${dir}'`,
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      'max_connections = 200',
      ''
    ].join('\n')
  )
}

/**
 * Starts a throw-away server. Returns its connection facts and what `stopPostgres` needs.
 * @param {{ bin?: string, log?: (m: string) => void }} [options]
 */
export async function startPostgres({ bin: explicit, log = console.log } = {}) {
  const bin = ensureServerBin({ explicit, log })
  const dir = makeClusterDir()
  const dataDir = join(dir, 'data')
  try {
    serverRun(bin, 'initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync'])
    for (let attempt = 1; ; attempt++) {
      const port = await freePort()
      configure(dataDir, dir, port)
      try {
        serverRun(bin, 'pg_ctl', ['start', '-w', '-t', '60', '-D', dataDir, '-l', join(dir, 'server.log')])
      } catch (err) {
        // Another process may have taken the port between the probe and the start.
        if (attempt >= 3) throw new Error(`${err.message}\nServer log:\n${logTail(join(dir, 'server.log'))}`, { cause: err })
        continue
      }
      const server = { bin, dir, dataDir, host: '127.0.0.1', port, user: 'postgres', database: DATABASE }
      must(join(bin, 'psql'), [...connArgs(server, 'postgres'), '-c', `create database ${DATABASE}`])
      return server
    }
  } catch (err) {
    stopPostgres({ bin, dir, dataDir })
    throw err
  }
}

function logTail(file) {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-20).join('\n') : '(no log written)'
}

function connArgs(server, database) {
  return ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', server.host, '-p', String(server.port), '-U', server.user, '-d', database]
}

/** Stops the server (if it runs) and removes its directory. Safe to call twice. */
export function stopPostgres(server) {
  if (!server || !existsSync(server.dir)) return
  if (existsSync(join(server.dataDir, 'postmaster.pid'))) {
    const [cmd, prefix] = asServerUser(join(server.bin, 'pg_ctl'))
    run(cmd, [...prefix, 'stop', '-w', '-m', 'immediate', '-D', server.dataDir], { cwd: tmpdir() })
  }
  rmSync(server.dir, { recursive: true, force: true })
}

/** The libpq variables that point clients (psql, dbt's pg_* targets) at the server. */
export function postgresEnv(server) {
  return {
    PGHOST: server.host,
    PGPORT: String(server.port),
    PGUSER: server.user,
    PGPASSWORD: '',
    PGDATABASE: server.database
  }
}

async function main() {
  const server = await startPostgres({ bin: process.env[PG_BIN_VAR] || undefined })
  const stop = () => {
    stopPostgres(server)
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  console.log(`PostgreSQL is running (data in ${server.dataDir}); Ctrl-C stops it and removes the data.`)
  for (const [k, v] of Object.entries({ ...postgresEnv(server), [PG_BIN_VAR]: server.bin })) {
    console.log(`export ${k}=${v}`)
  }
  setInterval(() => {}, 1 << 30)
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    console.error(err.message)
    process.exit(1)
  })
}
