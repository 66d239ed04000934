/**
 * The limits of the baseline sources' network calls: a connect timeout, an idle timeout (no
 * bytes received) and a total limit per attempt, and one deadline for the whole baseline search.
 * Their inputs, defaults, and the watchdog that arms them on each attempt.
 */
import type { Logger } from '../github/octokit.js'
import type { NetworkSettings } from '../settings.js'
import { BaselineTimeoutError } from './errors.js'

/** The inputs that set each limit, for messages. */
export const NETWORK_INPUTS = {
  connect: 'http-connect-timeout',
  idle: 'http-idle-timeout',
  total: 'download-timeout',
  deadline: 'baseline-timeout'
} as const

/** The limits action.yml defaults to. */
export const NETWORK_DEFAULTS: NetworkSettings = {
  connectTimeoutMs: 30_000,
  idleTimeoutMs: 30_000,
  downloadTimeoutMs: 600_000,
  searchTimeoutMs: 900_000
}

/** How requests are made; every field has a default. */
export interface HttpOptions extends Partial<NetworkSettings> {
  /** Send requests through this fetch instead of node:http(s); the connect timeout then lasts until the response headers. */
  fetch?: typeof fetch
  /** The deadline of the search this request belongs to; see {@link withDeadline}. */
  deadline?: Deadline
  /** Retries after the first attempt on network errors, idle and connect timeouts, 429 and 5xx; default 3. */
  retries?: number
  /** First pause between attempts in ms, doubled each time; default 1000. */
  retryDelayMs?: number
  /** Where retry notices go. */
  log?: Logger
}

/** The HTTP options of the `network` settings. */
export function httpOptionsOf(network: NetworkSettings | undefined): HttpOptions {
  return { ...network }
}

/** The moment by which the whole baseline search must be over (input `baseline-timeout`). */
export class Deadline {
  private readonly at: number

  constructor(readonly limitMs: number) {
    this.at = Date.now() + limitMs
  }

  remainingMs(): number {
    return Math.max(0, this.at - Date.now())
  }

  /** The error that stops `what` once the deadline has passed. */
  error(what: string, lastFailure?: string): BaselineTimeoutError {
    return new BaselineTimeoutError(
      `${what} was stopped: the baseline search did not finish within ${seconds(this.limitMs)} (input \`${NETWORK_INPUTS.deadline}\`)` +
        `${lastFailure ? `; the last attempt failed with: ${lastFailure}` : ''}. Raise \`${NETWORK_INPUTS.deadline}\` if the source is only slow, or check that it answers.`,
      NETWORK_INPUTS.deadline
    )
  }

  /** Throws {@link error} when the deadline has passed. */
  check(what: string): void {
    if (this.remainingMs() === 0) throw this.error(what)
  }
}

/** `options` with a deadline for one search starting now, unless one runs already. */
export function withDeadline(options: HttpOptions): HttpOptions {
  if (options.deadline) return options
  return { ...options, deadline: new Deadline(options.searchTimeoutMs ?? NETWORK_DEFAULTS.searchTimeoutMs) }
}

type Limit = keyof typeof NETWORK_INPUTS

/** A failed attempt: whether another may succeed, and the limit that stopped it, if one did. */
export class AttemptFailure extends Error {
  constructor(
    message: string,
    readonly retry: boolean,
    readonly limit?: Limit,
    readonly status?: number
  ) {
    super(message)
  }
}

/** Arms the limits of one attempt and aborts it when one passes. */
export class Watchdog {
  readonly controller = new AbortController()
  fired?: Limit
  bytes = 0
  private readonly timers: Partial<Record<Limit, NodeJS.Timeout>> = {}
  private done = false

  constructor(private readonly options: HttpOptions) {
    this.arm('connect', options.connectTimeoutMs ?? NETWORK_DEFAULTS.connectTimeoutMs)
    const total = options.downloadTimeoutMs ?? NETWORK_DEFAULTS.downloadTimeoutMs
    const left = options.deadline?.remainingMs() ?? Infinity
    if (left < total) this.arm('deadline', left)
    else this.arm('total', total)
  }

  /** The connection stands: from now on only silence counts. */
  connected(): void {
    this.clear('connect')
    this.touch()
  }

  /** Bytes arrived: the idle timer starts again. */
  touch(bytes = 0): void {
    this.bytes += bytes
    this.clear('idle')
    this.arm('idle', this.options.idleTimeoutMs ?? NETWORK_DEFAULTS.idleTimeoutMs)
  }

  dispose(): void {
    this.done = true
    for (const limit of Object.keys(this.timers) as Limit[]) this.clear(limit)
  }

  /** Why the attempt was stopped, once a limit fired. */
  failure(): AttemptFailure {
    const limit = this.fired as Limit
    return new AttemptFailure(this.describe(limit), limit === 'connect' || limit === 'idle', limit)
  }

  private describe(limit: Limit): string {
    const o = this.options
    const input = `input \`${NETWORK_INPUTS[limit]}\``
    if (limit === 'connect')
      return `no connection within ${seconds(o.connectTimeoutMs ?? NETWORK_DEFAULTS.connectTimeoutMs)} (connect timeout, ${input})`
    if (limit === 'idle')
      return `no bytes received for ${seconds(o.idleTimeoutMs ?? NETWORK_DEFAULTS.idleTimeoutMs)} after ${this.bytes} bytes (idle timeout, ${input})`
    if (limit === 'total') return `not finished within ${seconds(o.downloadTimeoutMs ?? NETWORK_DEFAULTS.downloadTimeoutMs)} (${input})`
    return `the baseline search ran past its limit of ${seconds(o.deadline?.limitMs ?? 0)} (${input})`
  }

  private arm(limit: Limit, ms: number): void {
    if (this.done) return
    const timer = setTimeout(() => {
      this.fired ??= limit
      this.dispose()
      this.controller.abort(new Error(this.describe(limit)))
    }, ms)
    timer.unref()
    this.timers[limit] = timer
  }

  private clear(limit: Limit): void {
    clearTimeout(this.timers[limit])
    delete this.timers[limit]
  }
}

/** Milliseconds as seconds, for messages. */
export function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`
}
