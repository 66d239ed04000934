import { dirname, join, resolve, isAbsolute, relative, sep, basename } from 'node:path';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, createReadStream, readFileSync, mkdirSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rm, rename, copyFile, open, stat, readFile } from 'node:fs/promises';
import { c as BaselineTimeoutError, e as BaselineServiceError, m as messageOf, f as BaselineAuthError, B as BaselineConfigError, A as ActionError, N as NoStagingBaselineError, h as NoBaselineError, M as ManifestCheckError, i as getExecOutput, D as DbtFailedError } from './index-errors-CLcki1zy.js';
import { O as Output, d as distExports } from './index-constants-CyAaZ2Tq.js';
import { r as readArtifact, A as ArtifactChangedError, e as entriesOf, a as readJsonFile, i as isIndexed } from './index-cache-WveL_jfa.js';
import { y as yauzl, c as checkManifest, b as createCacheSource, d as projectKeyFor, A as ArtifactCheckError, e as checkRunResults, f as checkRunManifest, P as PARTIAL_PARSE_FILE, g as parseDbtVersion, h as engineLabel, r as readDbtProject, a as actionDirs, v as versionMix } from './index-project-okqjXQzo.js';
import { request as request$1 } from 'node:http';
import { request } from 'node:https';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { d as displayUrl } from './index-secrets-Dlt117OD.js';
import { p as pythonOf, a as projectArgs, d as describeSignal, b as buildDepsArgs, c as buildCloneArgs, e as buildDbtArgs } from './index-session-BYEWJB33.js';
import { homedir } from 'node:os';

/** The inputs that set each limit, for messages. */
const NETWORK_INPUTS = {
    connect: 'http-connect-timeout',
    idle: 'http-idle-timeout',
    total: 'download-timeout',
    deadline: 'baseline-timeout'
};
/** The limits action.yml defaults to. */
const NETWORK_DEFAULTS = {
    connectTimeoutMs: 30_000,
    idleTimeoutMs: 30_000,
    downloadTimeoutMs: 600_000,
    searchTimeoutMs: 900_000
};
/** The HTTP options of the `network` settings. */
function httpOptionsOf(network) {
    return { ...network };
}
/** The moment by which the whole baseline search must be over (input `baseline-timeout`). */
class Deadline {
    limitMs;
    at;
    constructor(limitMs) {
        this.limitMs = limitMs;
        this.at = Date.now() + limitMs;
    }
    remainingMs() {
        return Math.max(0, this.at - Date.now());
    }
    /** The error that stops `what` once the deadline has passed. */
    error(what, lastFailure) {
        return new BaselineTimeoutError(`${what} was stopped: the baseline search did not finish within ${seconds(this.limitMs)} (input \`${NETWORK_INPUTS.deadline}\`)` +
            `${lastFailure ? `; the last attempt failed with: ${lastFailure}` : ''}. Raise \`${NETWORK_INPUTS.deadline}\` if the source is only slow, or check that it answers.`, NETWORK_INPUTS.deadline);
    }
    /** Throws {@link error} when the deadline has passed. */
    check(what) {
        if (this.remainingMs() === 0)
            throw this.error(what);
    }
}
/** `options` with a deadline for one search starting now, unless one runs already. */
function withDeadline(options) {
    if (options.deadline)
        return options;
    return { ...options, deadline: new Deadline(options.searchTimeoutMs ?? NETWORK_DEFAULTS.searchTimeoutMs) };
}
/** A failed attempt: whether another may succeed, and the limit that stopped it, if one did. */
class AttemptFailure extends Error {
    retry;
    limit;
    status;
    constructor(message, retry, limit, status) {
        super(message);
        this.retry = retry;
        this.limit = limit;
        this.status = status;
    }
}
/** Arms the limits of one attempt and aborts it when one passes. */
class Watchdog {
    options;
    controller = new AbortController();
    fired;
    bytes = 0;
    timers = {};
    done = false;
    constructor(options) {
        this.options = options;
        this.arm('connect', options.connectTimeoutMs ?? NETWORK_DEFAULTS.connectTimeoutMs);
        const total = options.downloadTimeoutMs ?? NETWORK_DEFAULTS.downloadTimeoutMs;
        const left = options.deadline?.remainingMs() ?? Infinity;
        if (left < total)
            this.arm('deadline', left);
        else
            this.arm('total', total);
    }
    /** The connection stands: from now on only silence counts. */
    connected() {
        this.clear('connect');
        this.touch();
    }
    /** Bytes arrived: the idle timer starts again. */
    touch(bytes = 0) {
        this.bytes += bytes;
        this.clear('idle');
        this.arm('idle', this.options.idleTimeoutMs ?? NETWORK_DEFAULTS.idleTimeoutMs);
    }
    dispose() {
        this.done = true;
        for (const limit of Object.keys(this.timers))
            this.clear(limit);
    }
    /** Why the attempt was stopped, once a limit fired. */
    failure() {
        const limit = this.fired;
        return new AttemptFailure(this.describe(limit), limit === 'connect' || limit === 'idle', limit);
    }
    describe(limit) {
        const o = this.options;
        const input = `input \`${NETWORK_INPUTS[limit]}\``;
        if (limit === 'connect')
            return `no connection within ${seconds(o.connectTimeoutMs ?? NETWORK_DEFAULTS.connectTimeoutMs)} (connect timeout, ${input})`;
        if (limit === 'idle')
            return `no bytes received for ${seconds(o.idleTimeoutMs ?? NETWORK_DEFAULTS.idleTimeoutMs)} after ${this.bytes} bytes (idle timeout, ${input})`;
        if (limit === 'total')
            return `not finished within ${seconds(o.downloadTimeoutMs ?? NETWORK_DEFAULTS.downloadTimeoutMs)} (${input})`;
        return `the baseline search ran past its limit of ${seconds(o.deadline?.limitMs ?? 0)} (${input})`;
    }
    arm(limit, ms) {
        if (this.done)
            return;
        const timer = setTimeout(() => {
            this.fired ??= limit;
            this.dispose();
            this.controller.abort(new Error(this.describe(limit)));
        }, ms);
        timer.unref();
        this.timers[limit] = timer;
    }
    clear(limit) {
        clearTimeout(this.timers[limit]);
        delete this.timers[limit];
    }
}
/** Milliseconds as seconds, for messages. */
function seconds(ms) {
    return `${Math.round(ms / 100) / 10} s`;
}

/**
 * Plain HTTP for the remote sources (url, dbt Cloud, artifact downloads, the GitHub API calls of
 * the artifact source). Every attempt has a connect timeout, an idle timeout (no bytes received)
 * and a total limit, all attempts of one baseline search share its deadline, network errors,
 * 429 and 5xx are retried a bounded number of times, and manifest downloads are streamed to a
 * file (manifests of large projects run to hundreds of megabytes, so they never pass through
 * one string). Requests go through node:http(s) rather than fetch, because fetch cannot tell a
 * connection that is not made from a server that is slow to answer.
 */
/**
 * GETs `url` and hands the response to `use` inside the retry loop. 2xx and non-retryable
 * statuses reach `use`; network errors, connect and idle timeouts, 429 and 5xx are retried, then
 * reported as a {@link BaselineServiceError} (a {@link BaselineTimeoutError} for a limit) that
 * names `what`, which must name the request (with {@link displayUrl}-style URLs).
 */
async function getWithRetry(url, headers, what, use, options = {}) {
    const retries = options.retries ?? 3;
    for (let attempt = 0;; attempt++) {
        options.deadline?.check(what);
        try {
            return await attemptOnce(url, headers, use, options);
        }
        catch (error) {
            if (!(error instanceof AttemptFailure))
                throw error;
            if (!error.retry || attempt >= retries)
                throw giveUp(what, error, attempt + 1);
            const pause = (options.retryDelayMs ?? 1000) * 2 ** attempt;
            if (options.deadline && options.deadline.remainingMs() <= pause)
                throw options.deadline.error(what, error.message);
            options.log?.info(`${what}: ${error.message}; retrying in ${seconds(pause)} (retry ${attempt + 1} of ${retries}).`);
            await sleep(pause);
        }
    }
}
async function attemptOnce(url, headers, use, options) {
    const dog = new Watchdog(options);
    try {
        const response = await send$1(url, headers, dog, options, 'follow');
        if (response.status === 429 || response.status >= 500) {
            await response.body?.cancel().catch(() => undefined);
            throw new AttemptFailure(`HTTP ${response.status} ${response.statusText}`.trim(), true, undefined, response.status);
        }
        return await use(response);
    }
    finally {
        dog.dispose();
    }
}
function giveUp(what, failure, attempts) {
    const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
    if (failure.limit) {
        const input = NETWORK_INPUTS[failure.limit];
        return new BaselineTimeoutError(`${what} failed: ${failure.message} (${tries}). Raise the input \`${input}\` if the server is only slow, or check that it is up and reachable from the runner.`, input);
    }
    const side = failure.status ? `the server answered HTTP ${failure.status}, a failure on its side` : 'the network or the server failed';
    return new BaselineServiceError(`${what} failed: ${failure.message} (${tries}; ${side}). Check that the service is up and reachable from the runner, then re-run the job.`, failure.status);
}
/** Sends one GET, following up to five redirects unless `redirect` is manual. */
async function send$1(url, headers, dog, options, redirect, signal) {
    const abort = signal ? AbortSignal.any([signal, dog.controller.signal]) : dog.controller.signal;
    if (options.fetch)
        return viaFetch(options.fetch, url, headers, dog, redirect, abort);
    let current = new URL(url);
    let sent = headers;
    for (let hop = 0;; hop++) {
        const response = await viaNode(current, sent, dog, abort);
        const location = response.headers.get('location');
        if (redirect === 'manual' || ![301, 302, 303, 307, 308].includes(response.status) || !location || hop === 5)
            return response;
        await response.body?.cancel().catch(() => undefined);
        const next = new URL(location, current);
        // As fetch does: credentials never follow a redirect to another origin.
        if (next.origin !== current.origin)
            sent = Object.fromEntries(Object.entries(sent).filter(([name]) => name.toLowerCase() !== 'authorization'));
        current = next;
    }
}
function viaNode(url, headers, dog, signal) {
    return new Promise((resolve, reject) => {
        const request$2 = url.protocol === 'https:' ? request : request$1;
        const req = request$2(url, { headers, signal }, (res) => {
            dog.touch();
            const status = res.statusCode ?? 502;
            const body = [204, 205, 304].includes(status) ? null : watchBody(Readable.toWeb(res), dog);
            const answer = new Headers();
            for (const [name, value] of Object.entries(res.headers))
                if (value !== undefined)
                    answer.set(name, Array.isArray(value) ? value.join(', ') : value);
            if (!body)
                dog.dispose();
            resolve(new Response(body, { status, statusText: res.statusMessage, headers: answer }));
        });
        req.on('socket', (socket) => {
            if (!socket.connecting)
                dog.connected();
            else
                socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => dog.connected());
        });
        req.on('error', (error) => reject(failure$1(dog, error)));
        req.end();
    });
}
async function viaFetch(doFetch, url, headers, dog, redirect, signal) {
    let response;
    try {
        response = await doFetch(url, { headers, redirect, signal });
    }
    catch (error) {
        throw failure$1(dog, error);
    }
    dog.connected();
    if (!response.body)
        return response;
    return new Response(watchBody(response.body, dog), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers
    });
}
/** The body, restarting the idle timer on each chunk and turning read errors into attempt failures. */
function watchBody(source, dog) {
    const reader = source.getReader();
    return new ReadableStream({
        async pull(controller) {
            try {
                const { done, value } = await reader.read();
                if (dog.fired)
                    throw dog.failure();
                if (done) {
                    dog.dispose();
                    controller.close();
                    return;
                }
                dog.touch(value.byteLength);
                controller.enqueue(value);
            }
            catch (error) {
                dog.dispose();
                controller.error(failure$1(dog, error, 'the answer broke off'));
            }
        },
        cancel(reason) {
            dog.dispose();
            return reader.cancel(reason);
        }
    });
}
/** What went wrong with the connection, in words; whether a retry may help. */
function failure$1(dog, error, during = 'the request failed') {
    if (error instanceof AttemptFailure)
        return error;
    if (dog.fired)
        return dog.failure();
    const code = error.code ?? '';
    const detail = `${messageOf(error)}${code && !messageOf(error).includes(code) ? ` (${code})` : ''}`;
    if (code === 'ECONNRESET' || code === 'EPIPE' || /aborted|socket hang up|other side closed|terminated/i.test(messageOf(error))) {
        return new AttemptFailure(`the connection was cut after ${dog.bytes} bytes (${detail})`, true);
    }
    if (code === 'ECONNREFUSED')
        return new AttemptFailure(`the connection was refused (${detail}): nothing answers at that address`, true);
    if (/CERT|SELF_SIGNED|ERR_TLS|UNABLE_TO_VERIFY/.test(code) || code === 'ENOTFOUND')
        return new AttemptFailure(`${during}: ${detail}`, false);
    return new AttemptFailure(`${during}: ${detail}`, true);
}
/** Reads a JSON body; a connection lost while reading is retried like a failed request. */
async function readJson$1(response, what) {
    const text = await response.text();
    try {
        return JSON.parse(text);
    }
    catch {
        throw new BaselineServiceError(`${what} answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`, response.status);
    }
}
/** Streams a GET of `url` into `destPath` (written whole or not at all). */
async function downloadToFile(url, destPath, headers, what, options = {}) {
    await mkdir(dirname(destPath), { recursive: true });
    return getWithRetry(url, headers, what, async (response) => {
        if (!response.ok)
            return { ok: false, status: response.status, body: await shortBody(response) };
        const file = await streamToFile(response, destPath);
        return { ok: true, file };
    }, options);
}
async function streamToFile(response, destPath) {
    const part = `${destPath}.part`;
    const hash = createHash('sha256');
    let bytes = 0;
    const body = response.body ? Readable.fromWeb(response.body) : Readable.from([]);
    try {
        await pipeline(body, async function* (source) {
            for await (const chunk of source) {
                hash.update(chunk);
                bytes += chunk.length;
                yield chunk;
            }
        }, createWriteStream(part));
    }
    catch (error) {
        await rm(part, { force: true });
        throw error;
    }
    await rename(part, destPath);
    const etag = response.headers.get('etag') ?? undefined;
    const lastModified = response.headers.get('last-modified') ?? undefined;
    return { path: destPath, bytes, sha256: hash.digest('hex'), etag, lastModified };
}
/** Reads at most the first 500 characters of an error body, for messages. */
async function shortBody(response) {
    try {
        return (await response.text()).slice(0, 500);
    }
    catch {
        return '';
    }
}
/**
 * A fetch with this module's connect and idle timeouts and limits, for the GitHub client's
 * GET requests (pass it as `request.fetch`). A stopped request fails the way fetch fails, so the
 * client's own retries apply.
 */
function timedFetch(options) {
    return (async (input, init = {}) => {
        const url = input instanceof Request ? input.url : String(input);
        const dog = new Watchdog(options);
        try {
            const headers = Object.fromEntries(new Headers(init.headers).entries());
            return await send$1(url, headers, dog, options, init.redirect === 'manual' ? 'manual' : 'follow', init.signal);
        }
        catch (error) {
            dog.dispose();
            if (!(error instanceof AttemptFailure))
                throw error;
            throw new TypeError('fetch failed', { cause: error });
        }
    });
}
function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Creates the API over plain fetch with retries. */
function createDbtCloudApi(connection, http) {
    const base = connection.baseUrl.replace(/\/+$/, '');
    const account = encodeURIComponent(connection.accountId);
    const headers = { Authorization: `Token ${connection.token}`, Accept: 'application/json' };
    const get = (path, query, notFound) => getJson(`${base}${path}?${new URLSearchParams(query)}`, headers, connection, notFound, http);
    return {
        async listEnvironments(projectId) {
            const path = `/api/v3/accounts/${account}/projects/${encodeURIComponent(projectId)}/environments/`;
            const notFound = `the project ${projectId} (input \`dbt-cloud-project-id\`)`;
            return collectPages((offset) => get(path, { offset: String(offset), limit: '100' }, notFound));
        },
        async getEnvironment(projectId, environmentId) {
            const path = `/api/v3/accounts/${account}/projects/${encodeURIComponent(projectId)}/environments/${encodeURIComponent(environmentId)}/`;
            const body = await get(path, {}, '').catch((error) => {
                if (error instanceof BaselineServiceError && error.status === 404)
                    return undefined;
                throw error;
            });
            return body?.data;
        },
        async listSuccessfulRuns(environmentId, offset, limit) {
            const query = {
                environment_id: environmentId,
                status: '10',
                order_by: '-finished_at',
                include_related: '["job","trigger"]',
                limit: String(limit),
                offset: String(offset)
            };
            const body = await get(`/api/v2/accounts/${account}/runs/`, query, `the account ${connection.accountId} (input \`dbt-cloud-account-id\`)`);
            return { runs: (Array.isArray(body.data) ? body.data : []), totalCount: body.extra?.pagination?.total_count };
        },
        async downloadManifest(runId, destPath) {
            const url = `${base}/api/v2/accounts/${account}/runs/${runId}/artifacts/manifest.json`;
            const result = await downloadToFile(url, destPath, headers, `Downloading manifest.json of dbt Cloud run ${runId} (GET ${displayUrl(url)})`, http);
            if (result.ok)
                return true;
            if (result.status === 404)
                return false;
            throw failure(result.status, result.body, `manifest.json of run ${runId}`, connection);
        }
    };
}
async function getJson(url, headers, connection, notFound, http) {
    const what = `The dbt Cloud request GET ${displayUrl(url)}`;
    return getWithRetry(url, headers, what, async (response) => {
        if (!response.ok) {
            const body = await shortBody(response);
            if (response.status === 404 && notFound) {
                throw new BaselineConfigError(`dbt Cloud at ${connection.baseUrl} does not know ${notFound} (HTTP 404). Check the id and the input \`dbt-cloud-host\` (your account's access URL).`, notFound.includes('project') ? 'dbt-cloud-project-id' : 'dbt-cloud-account-id');
            }
            throw failure(response.status, body, new URL(url).pathname, connection);
        }
        return (await readJson$1(response, what));
    }, http);
}
/** Reads every page of a v3 list. Stops on an empty page, so a shrinking list cannot loop. */
async function collectPages(page) {
    const all = [];
    for (;;) {
        const body = await page(all.length);
        const data = Array.isArray(body.data) ? body.data : [];
        all.push(...data);
        const total = body.extra?.pagination?.total_count;
        if (data.length === 0 || total === undefined || all.length >= total)
            return all;
    }
}
function failure(status, body, what, connection) {
    if (status === 401 || status === 403) {
        return new BaselineAuthError(`dbt Cloud refused the token for ${what} (HTTP ${status}). Check the input \`dbt-cloud-api-token\`: it must be a service token (or personal access token) ` +
            `of account ${connection.accountId} allowed to read runs, artifacts and environments (e.g. the Read-Only or Job Viewer permission set).`, status, 'dbt-cloud-api-token');
    }
    return new BaselineServiceError(`dbt Cloud answered HTTP ${status} for ${what}${body ? `: ${body}` : ''}.`, status);
}

/**
 * Source `url`: the deploy uploads manifest.json somewhere reachable over https (object storage,
 * an internal server), one URL per environment. The fetched-baseline cache is not used here:
 * what a URL holds is only known from its answer, so a cache lookup would not save the request.
 */
const inputOf$1 = { production: 'production-url', staging: 'staging-url' };
const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
/**
 * Creates the `url` source. Validates the URLs at once (https only; http just for a loopback
 * host). Staging is configured exactly when `staging` is set.
 */
function createUrlSource(settings, deps = {}) {
    for (const env of ['production', 'staging']) {
        if (settings[env])
            validateUrl(settings[env], inputOf$1[env]);
    }
    return {
        kind: 'url',
        stagingConfigured: async () => Boolean(settings.staging),
        fetch: (env, destDir) => fetchUrl(settings, env, destDir, withDeadline(deps.http ?? {}))
    };
}
/** Throws unless `value` is an https URL (or http on a loopback host). */
function validateUrl(value, input) {
    let url;
    try {
        url = new URL(value);
    }
    catch {
        throw new BaselineConfigError(`Invalid URL '${displayUrl(value)}' in the input \`${input}\`. Expected an https URL of a manifest.json, e.g. https://example.com/dbt/manifest.json.`, input);
    }
    const allowed = url.protocol === 'https:' || (url.protocol === 'http:' && loopbackHosts.has(url.hostname));
    if (!allowed) {
        throw new BaselineConfigError(`The input \`${input}\` is '${displayUrl(url)}', but only https URLs are accepted (http only for 127.0.0.1 or localhost), ` +
            'because the request can carry `url-authorization`. Use the https address of the manifest.', input);
    }
    return url;
}
async function fetchUrl(settings, env, destDir, http) {
    const url = settings[env];
    if (!url) {
        throw new BaselineConfigError(`The baseline source is \`url\` and ${env} was chosen, but the input \`${inputOf$1[env]}\` is empty. Set it to the https URL of the ${env} manifest.json` +
            `${env === 'staging' ? ', or set `defer-env: production`' : ''}.`, inputOf$1[env]);
    }
    const shown = displayUrl(url);
    const headers = { Accept: 'application/json' };
    if (settings.authorization)
        headers.Authorization = settings.authorization;
    const what = `Downloading the ${env} manifest from ${shown} (input \`${inputOf$1[env]}\`)`;
    const result = await downloadToFile(url, join(destDir, 'manifest.json'), headers, what, http);
    if (result.ok)
        return found(env, shown, result.file);
    if (result.status === 404 || result.status === 410)
        return { searched: [`${shown}: HTTP ${result.status}, no manifest there`] };
    throw refusal$1(result.status, result.body, shown, {
        input: inputOf$1[env],
        authorization: Boolean(settings.authorization),
        inUrl: carriesCredentials(url)
    });
}
function found(env, shown, file) {
    const version = file.etag ?? file.lastModified ?? file.sha256;
    return { env, source: 'url', identity: `url:${shown}:${version}`, location: shown, manifestPath: file.path };
}
/** Whether the URL itself carries credentials: user:pass@, or a query string (tokens, signatures). */
function carriesCredentials(url) {
    const u = new URL(url);
    return Boolean(u.username || u.password || u.search);
}
/** A final non-2xx answer (never retried): refused credentials name the input that holds them. */
function refusal$1(status, body, shown, credentials) {
    if (status === 401 || status === 403) {
        const input = credentials.authorization || !credentials.inUrl ? 'url-authorization' : credentials.input;
        return new BaselineAuthError(`The server refused the authorization for ${shown} (HTTP ${status}). ${credentialHint(credentials)}`, status, input);
    }
    return new BaselineServiceError(`Downloading ${shown} (input \`${credentials.input}\`) failed with HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}. ` +
        `This answer is not retried; check the URL${credentials.inUrl ? ' and the credentials in it' : ''}, and that the server serves the file.`, status);
}
function credentialHint(c) {
    if (c.authorization) {
        return 'Check the input `url-authorization`: it is sent as the whole Authorization header value (e.g. `Bearer <token>`), and the credentials must be allowed to read the file.';
    }
    if (c.inUrl) {
        return `The credentials are in the input \`${c.input}\` (user:password@ or a token in the query string): check that they are current and allowed to read the file, or pass them as \`url-authorization\` instead.`;
    }
    return 'No `url-authorization` was set; set it to the Authorization header value the server expects.';
}

/**
 * Source `dbt-cloud`: the manifest of the newest successful deploy run of a dbt Cloud
 * environment, as dbt Cloud itself defers: a pinned `defer-env-id` wins; otherwise the project's
 * staging environment when it has one, else its production environment. CI job runs are
 * skipped, and so are runs that saved no artifacts.
 */
/** How many successful runs are looked through for one with a manifest. */
const MAX_RUNS_SEARCHED = 100;
const PAGE_SIZE = 25;
/** Creates the `dbt-cloud` source; throws at once when the account id or token is missing. */
function createDbtCloudSource(settings, deps) {
    const connection = checkConnection(settings);
    // The search starts here: listing environments counts against its deadline too.
    const api = createDbtCloudApi(connection, withDeadline({ ...deps.http, log: deps.http?.log ?? deps.log }));
    const environments = new EnvironmentResolver(settings, api, deps.log);
    return {
        kind: 'dbt-cloud',
        stagingConfigured: () => environments.stagingConfigured(),
        fetch: async (env, destDir) => {
            const target = await environments.target(env);
            if (!('id' in target))
                return target;
            const destPath = join(destDir, 'manifest.json');
            return newestManifest({ api, accountId: connection.accountId, target, env, destPath, deps, passedOver: [] });
        }
    };
}
function checkConnection(settings) {
    const accountId = settings.accountId?.trim();
    if (!accountId) {
        throw new BaselineConfigError('The baseline source is `dbt-cloud` but the input `dbt-cloud-account-id` is empty. Set it to the number after /accounts/ in your dbt Cloud URLs.', 'dbt-cloud-account-id');
    }
    if (!/^\d+$/.test(accountId)) {
        throw new BaselineConfigError(`Invalid dbt Cloud account id '${accountId}' in the input \`dbt-cloud-account-id\`. Expected a number, e.g. 12345.`, 'dbt-cloud-account-id');
    }
    if (!settings.token) {
        throw new BaselineConfigError('The baseline source is `dbt-cloud` but the input `dbt-cloud-api-token` is empty. Pass a service token from a secret, e.g. `${{ secrets.DBT_CLOUD_API_TOKEN }}`.', 'dbt-cloud-api-token');
    }
    validateUrl(settings.baseUrl, 'dbt-cloud-host');
    return { baseUrl: settings.baseUrl, accountId, token: settings.token };
}
/** Decides which environment runs are read from; asks dbt Cloud at most once per question. */
class EnvironmentResolver {
    settings;
    api;
    log;
    projectEnvs;
    pinnedEnv;
    constructor(settings, api, log) {
        this.settings = settings;
        this.api = api;
        this.log = log;
    }
    /** Pinned: whether the pinned environment is a staging one. Else: whether the project has one. */
    async stagingConfigured() {
        if (this.settings.deferEnvId)
            return (await this.pinnedType()) === 'staging';
        return (await this.environments()).some((e) => e.deployment_type === 'staging');
    }
    async target(env) {
        const pinned = this.settings.deferEnvId;
        if (pinned) {
            const type = await this.pinnedType();
            if ((type === 'staging' || type === 'production') && type !== env)
                throw this.disagreement(pinned, type, env);
            return { id: pinned, label: `${pinned} (defer-env-id from ${this.settings.deferEnvIdOrigin ?? 'input'})` };
        }
        const match = (await this.environments()).find((e) => e.deployment_type === env);
        if (!match)
            return {
                searched: [`dbt Cloud project ${this.settings.projectId}: no ${env} environment (no deployment environment of type '${env}')`]
            };
        return { id: String(match.id), label: `${match.id}${match.name ? ` '${match.name}'` : ''}` };
    }
    environments() {
        const projectId = this.settings.projectId?.trim();
        if (!projectId) {
            throw new BaselineConfigError('The baseline source is `dbt-cloud` without a pinned environment, so the action looks up the staging and production environments of the project, ' +
                'but the input `dbt-cloud-project-id` is empty. Set it (the number after /projects/ in dbt Cloud URLs), or pin an environment with `defer-env-id`.', 'dbt-cloud-project-id');
        }
        this.projectEnvs ??= this.api.listEnvironments(projectId).then((all) => all.filter((e) => e.state !== 2 && e.type !== 'development'));
        return this.projectEnvs;
    }
    /** The pinned environment's deployment type; undefined when it cannot be asked (no project id). */
    pinnedType() {
        this.pinnedEnv ??= this.lookUpPinned();
        return this.pinnedEnv;
    }
    async lookUpPinned() {
        const projectId = this.settings.projectId?.trim();
        const id = this.settings.deferEnvId;
        if (!projectId) {
            this.log.info(`dbt Cloud environment ${id} is pinned; without \`dbt-cloud-project-id\` its deployment type cannot be looked up, so \`defer-env: auto\` treats it as production.`);
            return undefined;
        }
        const env = await this.api.getEnvironment(projectId, id);
        if (!env) {
            const origin = this.settings.deferEnvIdOrigin ?? 'input';
            throw new BaselineConfigError(`dbt Cloud project ${projectId} has no environment ${id} (pinned by ${origin}). Correct the id, or remove it to let the action pick staging or production.`, origin === 'input' ? 'defer-env-id' : origin);
        }
        return env.deployment_type ?? null;
    }
    disagreement(id, type, env) {
        return new BaselineConfigError(`\`defer-env\` asks for ${env}, but the pinned dbt Cloud environment ${id} (from ${this.settings.deferEnvIdOrigin ?? 'input'}) is a ${type} environment. ` +
            `Set \`defer-env: auto\` (or ${type}) to defer to it, or pin a ${env} environment.`, 'defer-env');
    }
}
/** Walks successful runs newest first and takes the first usable manifest. */
async function newestManifest(search) {
    let looked = 0;
    for (let offset = 0; looked < MAX_RUNS_SEARCHED; offset += PAGE_SIZE) {
        const page = await search.api.listSuccessfulRuns(search.target.id, offset, PAGE_SIZE);
        for (const run of page.runs.slice(0, MAX_RUNS_SEARCHED - looked)) {
            looked++;
            const found = await tryRun(search, run);
            if (found)
                return found;
        }
        if (page.runs.length < PAGE_SIZE || (page.totalCount !== undefined && offset + page.runs.length >= page.totalCount))
            break;
    }
    const summary = looked === 0 ? 'no successful run' : `${looked} successful run(s) looked at, none usable`;
    return { searched: [`dbt Cloud environment ${search.target.label} (${search.env}): ${summary}`, ...search.passedOver.slice(0, 10)] };
}
/** The run's baseline, or undefined (with the reason noted) when it has none. */
async function tryRun(search, run) {
    const skip = skipReason$1(run, search.target.id);
    if (skip) {
        search.passedOver.push(`run ${run.id}: ${skip}`);
        return undefined;
    }
    const identity = `dbt-cloud:${search.accountId}:${run.id}`;
    const fetched = search.deps.fetched;
    if (!(await fetched?.restore(identity, search.destPath))) {
        if (!(await search.api.downloadManifest(run.id, search.destPath))) {
            search.passedOver.push(`run ${run.id}: no manifest.json artifact (HTTP 404)`);
            return undefined;
        }
        await fetched?.save(identity, search.destPath);
    }
    return {
        env: search.env,
        source: 'dbt-cloud',
        runId: String(run.id),
        runUrl: run.href ?? undefined,
        sha: run.git_sha ?? undefined,
        identity,
        location: `dbt Cloud run ${run.id} of environment ${search.target.label}`,
        manifestPath: search.destPath
    };
}
/** Why a listed run cannot be the baseline, or undefined when it can. */
function skipReason$1(run, envId) {
    if (run.status !== undefined && run.status !== 10)
        return `not successful (status ${run.status})`;
    if (run.environment_id !== undefined && String(run.environment_id) !== envId)
        return `belongs to environment ${run.environment_id}`;
    if (isCiRun(run))
        return 'a CI job run (CI runs are never deferred to)';
    if (run.artifacts_saved === false)
        return 'saved no artifacts';
    return undefined;
}
/** CI runs: `job_type: ci`, or (older job shapes) a webhook-triggered job or a pull request trigger. */
function isCiRun(run) {
    const job = run.job ?? undefined;
    if (job?.job_type === 'ci')
        return true;
    if (job?.triggers?.github_webhook === true || job?.triggers?.git_provider_webhook === true)
        return true;
    const trigger = run.trigger ?? {};
    const prKeys = [
        'github_pull_request_id',
        'gitlab_merge_request_id',
        'azure_pull_request_id',
        'azure_devops_pull_request_id',
        'git_provider_pull_request_id'
    ];
    return prKeys.some((key) => trigger[key] !== undefined && trigger[key] !== null && trigger[key] !== '');
}

/**
 * Keeps fetched remote baselines in the actions cache, keyed by their identity (e.g. the dbt
 * Cloud run id), so a re-run of a pull request whose newest deploy run did not change restores
 * the manifest instead of downloading it again.
 *
 * Design: a remote source only learns a baseline's identity after finding the newest usable
 * run, and some runs turn out to have no manifest. So the source consults this cache itself,
 * per run, after the run is found and before the download (see dbt-cloud-source.ts). A miss or
 * any cache failure simply means downloading.
 */
/** The cache key of an identity. */
function fetchedCacheKey(identity) {
    return `dbt-defer-fetched-${sha256(identity)}`;
}
/** A fetched cache over `store`, using fixed paths under `tempDir`. */
function createFetchedCache(store, tempDir, log) {
    const fixedPath = (identity) => join(tempDir, 'dbt-defer-action', 'fetched', sha256(identity), 'manifest.json');
    return {
        async restore(identity, destPath) {
            const key = fetchedCacheKey(identity);
            const fixed = fixedPath(identity);
            try {
                await rm(fixed, { force: true });
                await mkdir(dirname(fixed), { recursive: true });
                const matched = await store.restore([fixed], key, []);
                if (matched !== key || !existsSync(fixed))
                    return false;
                await mkdir(dirname(destPath), { recursive: true });
                await copyFile(fixed, destPath);
                log.info(`Took the baseline of ${identity} from the actions cache (${key}); no download needed.`);
                return true;
            }
            catch (error) {
                if (error instanceof BaselineConfigError)
                    throw error;
                log.warning(`Reading the fetched baseline of ${identity} from the actions cache failed (${messageOf(error)}); downloading it instead.`);
                return false;
            }
        },
        async save(identity, srcPath) {
            const fixed = fixedPath(identity);
            try {
                await mkdir(dirname(fixed), { recursive: true });
                if (resolve(srcPath) !== resolve(fixed))
                    await copyFile(srcPath, fixed);
                await store.save([fixed], fetchedCacheKey(identity));
            }
            catch (error) {
                log.warning(`Keeping the fetched baseline of ${identity} in the actions cache failed (${messageOf(error)}); the next run downloads it again.`);
            }
        }
    };
}
function sha256(text) {
    return createHash('sha256').update(text).digest('hex');
}

/** Typed errors of the GitHub modules; main.ts decides what each one means for the run. */
/**
 * The report comment could not be read or written. The report is still in the job summary, so
 * the caller warns and goes on.
 */
class CommentError extends ActionError {
    status;
    request;
    constructor(message, 
    /** HTTP status GitHub answered (0 when no answer came). */
    status, 
    /** The request that failed, method and path, e.g. `POST /repos/o/r/issues/7/comments`. */
    request = '') {
        super(message, { severity: 'warn', input: 'github-token' });
        this.status = status;
        this.request = request;
    }
}
/** The token may not write the report comment (403) or cannot see the pull request (404). */
class CommentPermissionError extends CommentError {
    permission;
    constructor(message, 
    /** The permission the workflow's job must grant, e.g. `pull-requests: write`. */
    permission, status, request = '') {
        super(message, status, request);
        this.permission = permission;
    }
}
/** A GitHub request failed in a way no more specific error explains (a server error, bad credentials). */
class GitHubRequestError extends ActionError {
    status;
    request;
    constructor(message, 
    /** HTTP status GitHub answered (0 when no answer came). */
    status, 
    /** The request that failed, method and path. */
    request) {
        super(message, { input: 'github-token' });
        this.status = status;
        this.request = request;
    }
}
/** An input names something GitHub does not have (a workflow, a repository): fail the run. */
class GitHubInputError extends ActionError {
    constructor(message, input) {
        super(message, { input });
    }
}
/** The HTTP status of an Octokit request error, or undefined for any other error. */
function httpStatus(error) {
    if (typeof error !== 'object' || error === null)
        return undefined;
    const status = error.status;
    return typeof status === 'number' ? status : undefined;
}
/**
 * `METHOD /path` of the request an Octokit error belongs to: no host, no query string, no
 * headers, so no token can leak into a message. Undefined for errors that are not Octokit's.
 */
function failedRequest(error) {
    const request = error?.request;
    if (!request?.url)
        return undefined;
    return `${(request.method ?? 'GET').toUpperCase()} ${new URL(request.url, 'http://unknown').pathname}`;
}
/**
 * Explains a failed GitHub request in one paragraph: what the action tried, which request
 * failed with which status and message, whether it was retried, and what to do about it.
 */
function describeGitHubError(error, purpose) {
    const failure = (typeof error === 'object' && error !== null ? error : {});
    const request = failedRequest(error) ?? 'the request';
    const status = failure.status ?? 0;
    if (!failure.response) {
        const why = failure.cause === undefined ? messageOf(error) : messageOf(failure.cause);
        return `Could not ${purpose.action}: ${request} got no answer from GitHub (${why})${retried(failure)}. ${networkAdvice()}`;
    }
    const answered = `${request} answered ${status} (${gitHubMessage(failure)})`;
    return `Could not ${purpose.action}: ${answered}${status >= 500 ? retried(failure) : ''}. ${advice(status, failure, purpose)}`;
}
/** What to do about a status GitHub answered. */
function advice(status, failure, purpose) {
    const input = `\`${purpose.input ?? 'github-token'}\``;
    if (status === 401) {
        return (`GitHub does not accept the token in input ${input}: it is invalid, expired or revoked. ` +
            `Pass \`\${{ github.token }}\` (the default) or a valid token, and grant the job \`permissions: ${purpose.permission}\`.`);
    }
    if (isRateLimited(status, failure)) {
        return 'The token has used up its GitHub API rate limit: re-run the job after the limit resets, or use a token with its own limit.';
    }
    if (status === 403) {
        return `The token in input ${input} lacks a permission: grant the job \`permissions: ${purpose.permission}\` (a pull request from a fork only gets a read-only GITHUB_TOKEN).`;
    }
    if (status === 404) {
        return `It does not exist, or the token in input ${input} cannot see it: check the names and numbers, and that the token can read the repository (\`permissions: ${purpose.permission}\`).`;
    }
    if (status === 422)
        return 'GitHub refused what was sent; its message says which field. Re-run the job; if it persists, report it as a bug with this message.';
    if (status >= 500)
        return "This is a fault on GitHub's side and usually passes: re-run the job, and see https://www.githubstatus.com if it persists.";
    return "Re-run the job; if it persists, GitHub's message above says what it objected to.";
}
function networkAdvice() {
    return 'Check GITHUB_API_URL (on GitHub Enterprise Server, https://HOST/api/v3) and that the runner can reach it, then re-run the job.';
}
/** `, after N retries` from the retry plugin's bookkeeping on the request. */
function retried(failure) {
    const count = failure.request?.request?.retryCount ?? 0;
    return count === 0 ? ', and was not retried' : `, also on ${count} ${count === 1 ? 'retry' : 'retries'}`;
}
function isRateLimited(status, failure) {
    if (status === 429)
        return true;
    return status === 403 && (failure.response?.headers?.['x-ratelimit-remaining'] === '0' || /rate limit/i.test(failure.message ?? ''));
}
/** GitHub's own message and the detail of each validation error, without the documentation link. */
function gitHubMessage(failure) {
    const data = failure.response?.data;
    if (typeof data?.message !== 'string')
        return firstLine$1(failure.message ?? 'no message').replace(/ - https?:\/\/\S+$/, '');
    const details = Array.isArray(data.errors) ? data.errors.map(detail).filter(Boolean) : [];
    return details.length ? `${data.message}: ${details.join('; ')}` : data.message;
}
function detail(error) {
    if (typeof error === 'string')
        return error;
    const e = (error ?? {});
    if (typeof e.message === 'string')
        return e.message;
    return [e.field, e.code].filter((part) => typeof part === 'string').join(' ');
}
function firstLine$1(text) {
    return text.split('\n')[0];
}

function isRecord(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
/** The pull request the payload carries (pull_request events, and a workflow_call from one). */
function payloadPullRequest(payload) {
    const pr = fieldOf(payload, 'pull_request');
    const number = fieldOf(pr, 'number');
    if (!isPullNumber(number))
        return undefined;
    return { number, html_url: stringOf(fieldOf(pr, 'html_url')), head: branchOf(fieldOf(pr, 'head')), base: branchOf(fieldOf(pr, 'base')) };
}
/** The number of the pull request an `issue_comment` event is about, when it is about one. */
function payloadIssuePullNumber(payload) {
    const issue = fieldOf(payload, 'issue');
    const number = fieldOf(issue, 'number');
    return fieldOf(issue, 'pull_request') && isPullNumber(number) ? number : undefined;
}
function isPullNumber(value) {
    return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}
/** An own field of a record; undefined for anything that is not a record. */
function fieldOf(record, key) {
    return isRecord(record) && Object.hasOwn(record, key) ? record[key] : undefined;
}
function stringOf(value) {
    return typeof value === 'string' ? value : undefined;
}
/** The head or base of a pull request, keeping only fields of the right type. */
function branchOf(value) {
    if (!isRecord(value))
        return undefined;
    const repo = fieldOf(value, 'repo');
    // A deleted fork leaves `repo` null; keep that apart from a missing one.
    const repository = repo === null ? null : isRecord(repo) ? { full_name: stringOf(fieldOf(repo, 'full_name')) } : undefined;
    return { sha: stringOf(fieldOf(value, 'sha')), ref: stringOf(fieldOf(value, 'ref')), repo: repository };
}

const OWNER_OR_REPO = /^[A-Za-z0-9_.-]+$/;
/** Splits `owner/repo`; throws naming the bad value and the accepted form. */
function parseRepository(repository) {
    const parts = (repository ?? '').trim().split('/');
    const [owner, repo] = parts;
    if (parts.length !== 2 || !OWNER_OR_REPO.test(owner) || !OWNER_OR_REPO.test(repo) || repo === '.' || repo === '..') {
        throw new GitHubInputError(`Invalid repository '${repository}'. Expected format {owner}/{repo}, e.g. octo-org/analytics. ` +
            'Check the repository the workflow runs in (GITHUB_REPOSITORY).', 'repository');
    }
    return { owner, repo };
}
/**
 * Finds the pull request a run reports to: input `pr-number` first, then the payload's pull
 * request (whatever the event is called: a reusable workflow sees its caller's event), then the
 * open pull request whose head is the run's branch.
 */
async function findPullRequest(client, args) {
    const { owner, repo } = parseRepository(args.repository);
    if (args.prNumberOverride !== undefined) {
        const pr = await getPullRequest(client, owner, repo, args.prNumberOverride, 'pr-number');
        return { pr, reason: `pull request #${pr.number} from input pr-number` };
    }
    const fromPayload = pullRequestOfPayload(args.payload, args.repository, args.eventName);
    if (fromPayload)
        return fromPayload;
    const issueNumber = payloadIssuePullNumber(args.payload);
    if (issueNumber !== undefined) {
        const pr = await getPullRequest(client, owner, repo, issueNumber, 'pr-number');
        return { pr, reason: `pull request #${pr.number} the ${args.eventName} event is about` };
    }
    return byBranch(client, owner, repo, args);
}
/** Looks up the open pull request whose head is the run's branch in this repository. */
async function byBranch(client, owner, repo, args) {
    const branch = args.branch;
    if (!branch) {
        return {
            reason: `the ${args.eventName} event carries no pull request and the run's branch is unknown; the report goes to the job summary only (set input pr-number to comment on a pull request)`
        };
    }
    const data = await openPullsOf(client, owner, repo, branch);
    if (data.length === 0) {
        return { reason: `no open pull request has head branch ${branch}; the report goes to the job summary only` };
    }
    const newest = [...data].sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at))[0];
    const others = data.length > 1 ? ` (the most recently updated of ${data.length} open pull requests of that branch)` : '';
    return {
        pr: toInfo(newest, `${owner}/${repo}`),
        reason: `open pull request #${newest.number} has head branch ${branch}${others}`
    };
}
/** The open pull requests of this repository whose head is `branch`. */
async function openPullsOf(client, owner, repo, branch) {
    try {
        const { data } = await client.rest.pulls.list({ owner, repo, head: `${owner}:${branch}`, state: 'open', per_page: 100 });
        return data;
    }
    catch (error) {
        throw requestError(error, `list the open pull requests of ${owner}/${repo} whose head is branch ${branch}`);
    }
}
/** Fetches one pull request; a missing one is an input error of `input`. */
async function getPullRequest(client, owner, repo, number, input) {
    try {
        const { data } = await client.rest.pulls.get({ owner, repo, pull_number: number });
        return toInfo(data, `${owner}/${repo}`);
    }
    catch (error) {
        if (httpStatus(error) !== 404)
            throw requestError(error, `read pull request #${number} of ${owner}/${repo}`);
        throw new GitHubInputError(`Input ${input} is ${number}, but ${owner}/${repo} has no pull request #${number} the token can see. ` +
            "Give the number of a pull request of this repository, or leave pr-number empty to use the event's.", input);
    }
}
/** A failed pull request lookup, explained: the request, GitHub's answer, what to do. */
function requestError(error, action) {
    const message = describeGitHubError(error, { action, permission: 'pull-requests: read' });
    return new GitHubRequestError(message, httpStatus(error) ?? 0, failedRequest(error) ?? '');
}
/** The pull request the payload itself carries, without asking the API. */
function pullRequestOfPayload(payload, repository, eventName) {
    const fromPayload = payloadPullRequest(payload);
    if (!fromPayload)
        return undefined;
    const pr = toInfo(fromPayload, repository);
    return { pr, reason: `pull request #${pr.number} of the ${eventName} event` };
}
/** Maps a REST or payload pull request object to {@link PullRequestInfo}. */
function toInfo(pr, repository) {
    const headRepo = pr.head?.repo?.full_name;
    const baseRepo = pr.base?.repo?.full_name ?? repository;
    return {
        number: pr.number,
        headSha: pr.head?.sha,
        headRef: pr.head?.ref,
        baseRef: pr.base?.ref,
        url: pr.html_url,
        // A deleted fork leaves head.repo null; it was a fork all the same.
        fromFork: headRepo === undefined || headRepo.toLowerCase() !== baseRepo.toLowerCase()
    };
}

/**
 * The GitHub API failures of the artifact source, in words: a workflow input naming no
 * workflow, a refused token (401 names `github-token`, 403/404 the permission), and GitHub's
 * own failures (5xx, no answer), with the request and how often it was retried.
 */
/** Errors of listing runs: 404 means the workflow input names no workflow here. */
function listError(error, search) {
    if (httpStatus(error) !== 404)
        return accessError(error, search, `list the runs of workflow ${search.workflow}`, 'actions: read');
    const input = `${search.env}-workflow`;
    return new BaselineConfigError(`Input ${input} is '${search.workflow}', but ${search.repository} has no such workflow the token can see (GitHub answered 404). ` +
        `Give the file name of the deploy workflow under .github/workflows (e.g. deploy.yml) or its numeric id.`, input);
}
/**
 * Errors of a GitHub API call, in words: 401 names `github-token`, 403/404 the permission,
 * 5xx and requests without an answer say it is GitHub's side and how often it was retried.
 */
function accessError(error, search, what, permission) {
    const status = httpStatus(error);
    const text = messageOf(error)
        .split('\n')[0]
        .replace(/ - https:\/\/docs\.github\.com\S*$/, '');
    const deadline = search.deadline;
    if (deadline && deadline.remainingMs() === 0)
        return deadline.error(`The GitHub API request to ${what}`, text);
    const repository = search.repository;
    if (status === 401) {
        return new BaselineAuthError(`GitHub refused the token when asked to ${what} (${requestOf(error)}: HTTP 401, ${text}). The input \`github-token\` holds no valid token: ` +
            `leave it at \`\${{ github.token }}\` and grant the job \`permissions: ${permission}\`, or pass a current token that can read ${repository} with that permission.`, 401, 'github-token');
    }
    if ((status === 403 || status === 404) && !/rate limit/i.test(text)) {
        return new BaselineAuthError(`The token may not ${what} (GitHub answered ${status}: ${text}). ` +
            `Grant the job \`permissions: ${permission}\`, or pass a github-token that can read ${repository}.`, status, 'github-token');
    }
    if (status !== undefined && status >= 500)
        return gitHubSideError(error, status, text, what);
    return error;
}
/** A 5xx, or no answer at all (the client reports that as 500 without a response). */
function gitHubSideError(error, status, text, what) {
    const answered = typeof error === 'object' && error !== null && error.response !== undefined;
    const cause = answered ? `GitHub answered HTTP ${status} (${text}), a failure on GitHub's side` : `no answer came (${text})`;
    const retried = retriesOf(error);
    return new BaselineServiceError(`The GitHub API request ${requestOf(error)} (to ${what}) failed: ${cause}; ${retried === undefined ? 'the client retried it' : `retried ${retried} time${retried === 1 ? '' : 's'}`}. ` +
        'Re-run the job in a few minutes; https://www.githubstatus.com reports outages.', status);
}
/** `GET <url without query>` of a failed client request. */
function requestOf(error) {
    const request = error?.request;
    return request?.url ? `${request.method ?? 'GET'} ${displayUrl(request.url)}` : 'to GitHub';
}
/** How often the client retried the request, when it says. */
function retriesOf(error) {
    const count = error?.request?.request?.retryCount;
    return typeof count === 'number' ? count : 0;
}

/** Default cap on the total uncompressed size of one archive: 1 GiB. */
const DEFAULT_MAX_UNZIPPED_BYTES = 1024 ** 3;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
/** A zip entry that would escape the destination, is a link, or busts the size cap. */
class UnsafeZipError extends ActionError {
    entry;
    name = 'UnsafeZipError';
    constructor(message, 
    /** The entry's name as stored in the archive. */
    entry) {
        super(message);
        this.entry = entry;
    }
}
/** The file is not a readable zip archive: truncated, corrupt, or not a zip at all. */
class CorruptZipError extends ActionError {
    detail;
    name = 'CorruptZipError';
    constructor(message, 
    /** What the zip reader said. */
    detail) {
        super(message);
        this.detail = detail;
    }
}
/**
 * Extracts `zipPath` into `destDir`, streaming entry by entry, and returns the archive paths
 * (forward slashes) of the files written. Refuses, before writing them, entries with absolute
 * paths, `..` segments or a target outside `destDir`, symbolic links, and archives whose
 * uncompressed size exceeds `maxBytes` (default 1 GiB). An archive that cannot be read (or an
 * entry whose bytes do not match its header) is a {@link CorruptZipError}.
 */
async function extractZip(zipPath, destDir, opts = {}) {
    const root = resolve(destDir);
    await mkdir(root, { recursive: true });
    // Names are decoded here rather than by yauzl so that refusals carry this module's messages.
    const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }).catch((error) => {
        throw corruptOrNot(error, zipPath);
    });
    const budget = { max: opts.maxBytes ?? DEFAULT_MAX_UNZIPPED_BYTES, declared: 0, inflated: 0 };
    const written = [];
    return new Promise((done, fail) => {
        const abort = (error) => {
            if (zip.isOpen)
                zip.close();
            fail(corruptOrNot(error, zipPath));
        };
        zip.on('error', abort);
        zip.on('end', () => done(written));
        zip.on('entry', (entry) => {
            extractEntry(zip, entry, root, budget, zipPath)
                .then((name) => {
                if (name !== undefined)
                    written.push(name);
                zip.readEntry();
            })
                .catch(abort);
        });
        zip.readEntry();
    });
}
/** Writes one entry; returns its name when it was a file. */
async function extractEntry(zip, entry, root, budget, zipPath) {
    const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
    const target = safeTarget(name, root, zipPath);
    if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) {
        throw new UnsafeZipError(`Refusing to extract ${zipPath}: entry '${name}' is a symbolic link.`, name);
    }
    if (name.endsWith('/')) {
        await mkdir(target, { recursive: true });
        return undefined;
    }
    charge(budget, entry.uncompressedSize, name, zipPath);
    await mkdir(dirname(target), { recursive: true });
    const input = await zip.openReadStreamPromise(entry);
    await pipeline(input, meter(budget, name, zipPath), createWriteStream(target));
    return name;
}
/** The absolute path an entry lands on, or an error naming the entry if it would escape `root`. */
function safeTarget(name, root, zipPath) {
    const refuse = (why) => new UnsafeZipError(`Refusing to extract ${zipPath}: entry '${name}' ${why}.`, name);
    if (name === '' || name.includes('\0'))
        throw refuse('has an empty or malformed name');
    if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || isAbsolute(name))
        throw refuse('has an absolute path');
    if (name.split('/').includes('..'))
        throw refuse("has a '..' path segment");
    const target = resolve(root, name);
    const rel = relative(root, target);
    if (rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel))
        throw refuse(`would be written outside ${root}`);
    return target;
}
/** Errors of the zip reader become {@link CorruptZipError}; refusals and file system errors stay. */
function corruptOrNot(error, zipPath) {
    if (error instanceof UnsafeZipError || error instanceof CorruptZipError)
        return error;
    if (error instanceof Error && 'syscall' in error)
        return error;
    const detail = error instanceof Error ? error.message : String(error);
    return new CorruptZipError(`Cannot read ${zipPath} as a zip archive: ${detail} (the file is corrupt or truncated)`, detail);
}
/** Counts declared sizes against the cap before any byte is written. */
function charge(budget, bytes, name, zipPath) {
    budget.declared += bytes;
    if (budget.declared > budget.max) {
        throw new UnsafeZipError(`Refusing to extract ${zipPath}: at entry '${name}' its contents exceed the limit of ${budget.max} bytes uncompressed.`, name);
    }
}
/** Counts the bytes actually inflated, in case a header understates them. */
function meter(budget, name, zipPath) {
    return new Transform({
        transform(chunk, _enc, next) {
            budget.inflated += chunk.length;
            if (budget.inflated > budget.max) {
                next(new UnsafeZipError(`Refusing to extract ${zipPath}: entry '${name}' inflates past the limit of ${budget.max} bytes.`, name));
                return;
            }
            next(null, chunk);
        }
    });
}

/** Events whose runs are CI checks, never deploys: their artifacts are not a baseline. */
const CI_EVENTS = new Set(['pull_request', 'pull_request_target', 'merge_group']);
/**
 * The baseline source that takes manifest.json from the artifact of the latest successful
 * deploy run of a workflow (production's or staging's) on the deploy branch of this repository.
 */
function createGitHubArtifactSource(deps) {
    return {
        kind: 'github-artifact',
        stagingConfigured: async () => Boolean(deps.settings.stagingWorkflow),
        fetch: (env, destDir) => findBaseline$1(deps, env, destDir)
    };
}
/** Walks successful runs newest first until one yields a usable manifest, at most `maxRuns` of them. */
async function findBaseline$1(deps, env, destDir) {
    const { owner, repo } = parseRepository(deps.repository);
    const http = withDeadline({ ...deps.http, log: deps.http?.log ?? deps.log });
    const search = {
        deps,
        owner,
        repo,
        env,
        workflow: workflowOf(deps.settings, env),
        destDir,
        http,
        request: { fetch: timedFetch(http) }
    };
    const branch = deps.settings.branch || (await defaultBranch(search));
    const maxRuns = Math.max(1, deps.settings.maxRuns);
    const searched = [];
    let examined = 0;
    for await (const runs of runPages(search, branch, Math.min(100, maxRuns))) {
        for (const run of runs) {
            if (examined === maxRuns) {
                searched.push(`stopped after ${maxRuns} runs (input max-runs-searched); raise it to look further back`);
                return { searched };
            }
            examined++;
            const outcome = await considerRun(search, run);
            if (typeof outcome !== 'string')
                return outcome;
            deps.log.debug(outcome);
            searched.push(outcome);
        }
    }
    if (examined === 0) {
        const page = `${deps.serverUrl}/${deps.repository}/actions/workflows/${encodeURIComponent(search.workflow)}`;
        searched.push(`workflow ${search.workflow} has no successful run on branch ${branch} of ${deps.repository} (${page})`);
    }
    return { searched };
}
/** The workflow of `env`; an unset one is an input error. */
function workflowOf(settings, env) {
    const workflow = env === 'staging' ? settings.stagingWorkflow : settings.productionWorkflow;
    if (!workflow) {
        const input = `${env}-workflow`;
        throw new BaselineConfigError(`Input ${input} is empty, so there is no ${env} deploy workflow to take the baseline from. ` +
            `Set ${input} to the file name of the workflow that uploads the manifest artifact (e.g. deploy.yml), or its id.`, input);
    }
    return workflow;
}
async function defaultBranch(search) {
    const { client } = search.deps;
    try {
        const { data } = await client.rest.repos.get({ owner: search.owner, repo: search.repo, request: search.request });
        return data.default_branch;
    }
    catch (error) {
        throw accessError(error, requestContext(search), `read repository ${search.deps.repository} to learn its default branch (or set input baseline-branch)`, 'metadata: read');
    }
}
/**
 * Pages of successful runs of the workflow on the branch, newest first. Paged by hand: the
 * client's paginate drops per-request options, and with them this search's time limits.
 */
async function* runPages(search, branch, perPage) {
    const { client } = search.deps;
    for (let page = 1;; page++) {
        let runs;
        let total;
        try {
            const { data } = await client.rest.actions.listWorkflowRuns({
                owner: search.owner,
                repo: search.repo,
                workflow_id: search.workflow,
                branch,
                status: 'success',
                exclude_pull_requests: true,
                per_page: perPage,
                page,
                request: search.request
            });
            runs = data.workflow_runs;
            total = data.total_count;
        }
        catch (error) {
            throw listError(error, requestContext(search));
        }
        yield runs;
        if (runs.length < perPage || page * perPage >= total)
            return;
    }
}
/** A baseline from this run, or the sentence saying why the run was passed over. */
async function considerRun(search, run) {
    const label = `run ${run.id} of ${run.created_at} (${run.event}, ${run.head_sha.slice(0, 7)})`;
    const skip = skipReason(run, search.deps.repository);
    if (skip)
        return `${label}: skipped, ${skip}`;
    const artifact = await newestArtifact(search, run);
    if (typeof artifact === 'string')
        return `${label}: ${artifact}`;
    const outcome = await useArtifact(search, run, artifact);
    return typeof outcome === 'string' ? `${label}: ${outcome}` : outcome;
}
function skipReason(run, repository) {
    if (CI_EVENTS.has(run.event))
        return `it was triggered by ${run.event}, a CI event, not a deploy`;
    const head = run.head_repository?.full_name;
    if (!head || head.toLowerCase() !== repository.toLowerCase()) {
        return `it ran on a branch of ${head ?? 'a deleted repository'} (a fork), not of ${repository}`;
    }
    if (run.conclusion !== 'success')
        return `its conclusion is ${run.conclusion ?? 'not set yet'}`;
    return undefined;
}
/** The newest unexpired artifact of the configured name (reruns leave several), or why there is none. */
async function newestArtifact(search, run) {
    const { client, settings } = search.deps;
    const name = settings.artifactName;
    const all = [];
    try {
        for (let page = 1;; page++) {
            const { data } = await client.rest.actions.listWorkflowRunArtifacts({
                owner: search.owner,
                repo: search.repo,
                run_id: run.id,
                name,
                per_page: 100,
                page,
                request: search.request
            });
            all.push(...data.artifacts);
            if (data.artifacts.length < 100 || all.length >= data.total_count)
                break;
        }
    }
    catch (error) {
        throw accessError(error, requestContext(search), `list the artifacts of run ${run.id}`, 'actions: read');
    }
    const named = all.filter((a) => a.name === name).sort((a, b) => time(b) - time(a) || b.id - a.id);
    if (named.length === 0)
        return `it has no artifact named "${name}" (input artifact-name)`;
    const usable = named.find((a) => !a.expired);
    return usable ?? `its artifact "${name}" has expired (artifact id ${named[0].id})`;
}
function time(artifact) {
    return artifact.created_at ? Date.parse(artifact.created_at) : 0;
}
/** Downloads and unpacks the artifact and puts its manifest at `destDir/manifest.json`. */
async function useArtifact(search, run, artifact) {
    const identity = identityOf(search, run, artifact);
    const cached = join(search.deps.downloadDir, `cached-${artifact.id}.json`);
    if (await search.deps.fetched?.restore(identity, cached)) {
        try {
            return await place$1(search, run, artifact, cached);
        }
        finally {
            await rm(cached, { force: true });
        }
    }
    const placed = await downloadAndPlace(search, run, artifact);
    if (typeof placed !== 'string')
        await search.deps.fetched?.save(identity, placed.manifestPath);
    return placed;
}
/** The identity of a baseline taken from an artifact: repository, run and artifact. */
function identityOf(search, run, artifact) {
    return `github-artifact:${search.deps.repository}:${run.id}:${artifact.id}`;
}
/** Downloads the artifact, unpacks it and places its manifest. */
async function downloadAndPlace(search, run, artifact) {
    const { downloadDir } = search.deps;
    const zipPath = join(downloadDir, `artifact-${artifact.id}.zip`);
    const unpacked = join(downloadDir, `artifact-${artifact.id}`);
    await mkdir(downloadDir, { recursive: true });
    try {
        if (!(await downloadZip(search, artifact, zipPath)))
            return `its artifact "${artifact.name}" has expired (artifact id ${artifact.id}, HTTP 410)`;
        const files = await extractOrWhyNot(search, artifact, zipPath, unpacked);
        if (typeof files === 'string')
            return files;
        const manifest = pickManifest(files);
        if (manifest.startsWith('!'))
            return `its artifact "${artifact.name}" (id ${artifact.id}) ${manifest.slice(1)}`;
        return await place$1(search, run, artifact, join(unpacked, manifest));
    }
    finally {
        await rm(zipPath, { force: true });
        await rm(unpacked, { recursive: true, force: true });
    }
}
/** The unpacked files, or why the artifact is passed over: a corrupt zip is skipped like one without a manifest. */
async function extractOrWhyNot(search, artifact, zipPath, unpacked) {
    try {
        return await extractZip(zipPath, unpacked);
    }
    catch (error) {
        if (!(error instanceof CorruptZipError))
            throw error;
        const why = `its artifact "${artifact.name}" (id ${artifact.id}) is a corrupt or truncated zip (${error.detail}), so an older run is tried`;
        search.deps.log.warning(`Baseline search: artifact "${artifact.name}" (id ${artifact.id}) is a corrupt or truncated zip (${error.detail}); trying an older deploy run.`);
        return why;
    }
}
/**
 * Follows the artifact's 302 by hand: the signed storage URL must be fetched without the
 * GitHub token (storage refuses it, and the token must not leave GitHub). Returns false on 410.
 */
async function downloadZip(search, artifact, zipPath) {
    const { client } = search.deps;
    let location;
    try {
        const res = await client.rest.actions.downloadArtifact({
            owner: search.owner,
            repo: search.repo,
            artifact_id: artifact.id,
            archive_format: 'zip',
            request: { ...search.request, redirect: 'manual' }
        });
        location = res.headers.location;
    }
    catch (error) {
        if (httpStatus(error) === 410)
            return false;
        throw accessError(error, requestContext(search), `download artifact ${artifact.id}`, 'actions: read');
    }
    if (!location) {
        throw new BaselineServiceError(`GitHub gave no download location for artifact ${artifact.id} of ${search.deps.repository} (HTTP 302 without Location); re-run the job, and report it if it persists.`);
    }
    return fetchBlob(search, artifact, location, zipPath);
}
/** Downloads the signed blob (retried like any download), without the GitHub token. */
async function fetchBlob(search, artifact, location, zipPath) {
    const what = `Downloading the zip of artifact ${artifact.id} ("${artifact.name}") from ${displayUrl(location)}`;
    const result = await downloadToFile(location, zipPath, {}, what, search.http);
    if (result.ok)
        return true;
    throw new BaselineServiceError(`Downloading artifact ${artifact.id} from ${new URL(location).host} failed with HTTP ${result.status}: ${result.body.slice(0, 300)}. ` +
        'Re-run the job; the download link GitHub hands out is short-lived.', result.status);
}
/** `manifest.json` at the root or the single nested one; a `!`-prefixed reason otherwise. */
function pickManifest(files) {
    if (files.includes('manifest.json'))
        return 'manifest.json';
    const nested = files.filter((f) => f.endsWith('/manifest.json'));
    if (nested.length === 1)
        return nested[0];
    if (nested.length > 1)
        return `!holds several manifest.json files (${nested.join(', ')}) and none at its root`;
    const listing = files.length ? files.slice(0, 5).join(', ') + (files.length > 5 ? ', ...' : '') : 'nothing';
    return `!holds no manifest.json (it has ${listing})`;
}
/**
 * A look at the file's edges, not a read of the manifest (the one full read and check are
 * obtain.ts's): whether its first and last non-blank bytes are `{` and `}` (so a truncated upload
 * still falls back to an older run here), and `metadata.generated_at`, which dbt writes first.
 */
async function sniffManifest(path) {
    const file = await open(path, 'r');
    try {
        const { size } = await file.stat();
        const head = Buffer.alloc(Math.min(size, 4096));
        const tail = Buffer.alloc(Math.min(size, 256));
        await file.read(head, 0, head.length, 0);
        await file.read(tail, 0, tail.length, size - tail.length);
        const start = head.toString('utf8');
        const whole = start.trimStart().startsWith('{') && tail.toString('latin1').trimEnd().endsWith('}');
        const metadata = /^\s*\{\s*"metadata"\s*:\s*\{[^{}]*?"generated_at"\s*:\s*"([^"\\]+)"/.exec(start);
        return { whole, generatedAt: metadata?.[1] };
    }
    finally {
        await file.close();
    }
}
async function place$1(search, run, artifact, manifestPath) {
    const { whole, generatedAt } = await sniffManifest(manifestPath);
    if (!whole) {
        return `its artifact "${artifact.name}" (id ${artifact.id}) holds a manifest.json that is not a whole JSON object (truncated, or not JSON)`;
    }
    await mkdir(search.destDir, { recursive: true });
    const dest = resolve(search.destDir, 'manifest.json');
    await copyFile(manifestPath, dest);
    const { deps } = search;
    const location = `artifact "${artifact.name}" of workflow ${search.workflow}, run ${run.id} on ${run.head_branch ?? '?'}`;
    deps.log.info(`Baseline of ${search.env}: ${location} (${run.html_url})`);
    return {
        env: search.env,
        source: 'github-artifact',
        runId: String(run.id),
        runUrl: run.html_url,
        sha: run.head_sha,
        identity: identityOf(search, run, artifact),
        location,
        generatedAt,
        manifestPath: dest
    };
}
/** What the error explanations need of a search. */
function requestContext(search) {
    return { repository: search.deps.repository, workflow: search.workflow, env: search.env, deadline: search.http.deadline };
}

/**
 * Source `path`: a manifest already on disk (downloaded by an earlier step, checked in, on a
 * shared volume). The user's file is only read: it is copied into the action's state directory.
 */
const inputOf = { production: 'state-path', staging: 'staging-state-path' };
/** Creates the `path` source. Staging is configured exactly when `staging` is set. */
function createPathSource(settings, deps) {
    return {
        kind: 'path',
        stagingConfigured: async () => Boolean(settings.staging),
        fetch: (env, destDir) => fetchPath(settings[env], env, resolve(deps.baseDir), destDir)
    };
}
async function fetchPath(configured, env, baseDir, destDir) {
    if (!configured) {
        throw new BaselineConfigError(`The baseline source is \`path\` and ${env} was chosen, but the input \`${inputOf[env]}\` is empty. ` +
            `Set it to the ${env} manifest.json (or a directory holding it)${env === 'staging' ? ', or set `defer-env: production`' : ''}.`, inputOf[env]);
    }
    const file = await locateManifest(configured, resolve(baseDir, configured), env);
    if (typeof file !== 'string')
        return file;
    const manifestPath = join(destDir, 'manifest.json');
    await copyInto(file, manifestPath, env);
    const sha = await sha256File(manifestPath);
    return { env, source: 'path', identity: `path:${sha}`, location: file, manifestPath };
}
/** The manifest file the setting names, or what was searched when there is none. */
async function locateManifest(configured, absolute, env) {
    const found = await statOrMissing(absolute, env);
    if (!found)
        return { searched: [`${configured}: does not exist`] };
    if (!found.isDirectory())
        return regularFile(absolute, found, env);
    const inDir = join(absolute, 'manifest.json');
    const file = await statOrMissing(inDir, env);
    if (!file)
        return { searched: [`${join(configured, 'manifest.json')}: does not exist (the directory ${configured} has no manifest.json)`] };
    if (file.isDirectory()) {
        throw new BaselineConfigError(`${inDir} is a directory; the input \`${inputOf[env]}\` must name manifest.json or the directory holding it.`, inputOf[env]);
    }
    return regularFile(inDir, file, env);
}
/** `path` when it is a regular file; reading a FIFO, socket or device could block forever. */
function regularFile(path, stats, env) {
    if (stats.isFile())
        return path;
    throw new BaselineConfigError(`The input \`${inputOf[env]}\` names ${path}, which is ${kindOf(stats)}, not a regular file; it is not read, since reading it could wait forever. ` +
        'Point the input at the manifest.json file written by dbt (or the directory holding it); copy the manifest to a file first if it arrives through a pipe.', inputOf[env]);
}
function kindOf(stats) {
    if (stats.isFIFO())
        return 'a named pipe (FIFO)';
    if (stats.isSocket())
        return 'a socket';
    if (stats.isCharacterDevice() || stats.isBlockDevice())
        return 'a device';
    return 'not a regular file';
}
async function statOrMissing(path, env) {
    try {
        return await stat(path);
    }
    catch (error) {
        if (error.code === 'ENOENT')
            return undefined;
        throw new BaselineServiceError(`Cannot read ${path} (input \`${inputOf[env]}\`): ${messageOf(error)}. Make the file readable by the runner's user.`);
    }
}
async function copyInto(file, manifestPath, env) {
    if (resolve(file) === resolve(manifestPath))
        return;
    try {
        await mkdir(join(manifestPath, '..'), { recursive: true });
        await copyFile(file, manifestPath);
    }
    catch (error) {
        throw new BaselineServiceError(`Cannot read ${file} (input \`${inputOf[env]}\`): ${messageOf(error)}. Make the file readable by the runner's user.`);
    }
}
/** Hex sha256 of a file's content, streamed. */
async function sha256File(path) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path))
        hash.update(chunk);
    return hash.digest('hex');
}

/** The decision itself: `auto` picks staging exactly when staging is configured. */
function decideEnv(choice, stagingConfigured) {
    if (choice === 'auto')
        return stagingConfigured ? 'staging' : 'production';
    return choice;
}
/** The environment of this invocation; asks the source only when the choice is `auto`. */
async function chooseEnv(choice, source) {
    if (choice !== 'auto')
        return choice;
    return decideEnv(choice, await source.stagingConfigured());
}

/** True when a fetch found a baseline. */
function isBaseline(r) {
    return r.manifestPath !== undefined;
}

/**
 * Getting the baseline for one invocation: choose the one environment, ask the source, apply
 * the policy when nothing is found, check the manifest, and place it as
 * `<stateDir>/manifest.json`, the directory dbt gets as `--state`. The state directory belongs
 * to the action (under the runner's temp directory); nothing is written into the dbt project.
 */
/**
 * Finds the baseline of the chosen environment. Throws {@link NoStagingBaselineError} when
 * staging was chosen and has none (never falls back to production), {@link NoBaselineError}
 * when production has none and `if-no-baseline` is `fail`; returns `none` for `build-all`.
 * The fetched-baseline cache is consulted inside the remote sources (see fetched-cache.ts).
 */
async function obtainBaseline(settings, source, args) {
    const env = await chooseEnv(settings.deferEnv, source);
    args.log.info(`Deferring to ${env} (${whyEnv(settings, env)}); baseline source: ${source.kind}.`);
    const finalPath = join(args.stateDir, 'manifest.json');
    const incoming = join(args.stateDir, '.incoming');
    // A manifest left by an earlier step of the job must never stand in for this one.
    await rm(finalPath, { force: true });
    await rm(incoming, { recursive: true, force: true });
    await mkdir(incoming, { recursive: true });
    try {
        const result = await source.fetch(env, incoming);
        if (!isBaseline(result))
            return nothingFound(settings, env, result.searched);
        return { kind: 'found', baseline: await place(result, finalPath, args) };
    }
    finally {
        await rm(incoming, { recursive: true, force: true });
    }
}
/** Checks the fetched manifest and moves it to its final place. */
async function place(found, finalPath, args) {
    refuseOwnOutput(found, args.project.targetDir);
    const check = await readAndCheck(found, args);
    check.notes.forEach((note) => args.log.info(note));
    if (resolve(found.manifestPath) !== resolve(finalPath)) {
        await rename(found.manifestPath, finalPath).catch(() => copyFile(found.manifestPath, finalPath));
    }
    const baseline = {
        ...found,
        manifestPath: finalPath,
        generatedAt: found.generatedAt ?? check.generatedAt,
        manifest: check.manifest,
        dbtVersion: check.dbtVersion
    };
    args.log.info(`Baseline: ${baseline.location} (${baseline.env}${baseline.generatedAt ? `, generated ${baseline.generatedAt}` : ''}${check.dbtVersion ? `, dbt ${check.dbtVersion}` : ''}).`);
    return baseline;
}
/** A `path` baseline inside the project's target directory is this job's own manifest, not a deploy's. */
function refuseOwnOutput(found, targetDir) {
    if (found.source !== 'path' || !targetDir)
        return;
    const rel = relative(resolve(targetDir), resolve(found.location));
    if (rel.startsWith('..') || isAbsolute(rel))
        return;
    const input = found.env === 'staging' ? 'staging-state-path' : 'state-path';
    throw new BaselineConfigError(`The input \`${input}\` points at ${found.location}, inside the project's own target directory (${targetDir}): that manifest was written by dbt in this job, ` +
        `so comparing with it selects nothing and defers to nothing. Give the ${found.env} deploy's manifest instead, downloaded to a directory of its own (e.g. prod-state/manifest.json).`, input);
}
/**
 * Reads the manifest, a big one as an index (see dbt/json-file.ts), and checks it. The check
 * reads an indexed manifest's entries from the file, so a file changed meanwhile fails here too.
 */
async function readAndCheck(found, args) {
    let value;
    try {
        value = await (args.readJson ?? readArtifact)(found.manifestPath, { index: true });
    }
    catch (error) {
        throw unreadable(found, error);
    }
    try {
        return checkManifest(value, { projectName: args.project.name }, found.location);
    }
    catch (error) {
        throw error instanceof ArtifactChangedError ? unreadable(found, error) : error;
    }
}
/** A baseline manifest that could not be read, or is not JSON, as the message a user gets. */
function unreadable(found, error) {
    if (error instanceof SyntaxError) {
        return new ManifestCheckError(`The baseline manifest from ${found.location} is not valid JSON: ${error.message}. ` +
            'It may be truncated or not a manifest at all; publish target/manifest.json of a successful deploy run again.', found.location);
    }
    return new ManifestCheckError(`Could not read the baseline manifest from ${found.location} (${found.manifestPath}): ${messageOf(error)}`, found.location);
}
function nothingFound(settings, env, searched) {
    const where = searched.length ? searched.map((line) => `\n  - ${line}`).join('') : '\n  - (nothing to search)';
    if (env === 'staging') {
        throw new NoStagingBaselineError(`No staging baseline was found (${whyEnv(settings, 'staging')}). Searched:${where}\n` +
            `Run the staging deploy successfully once so it leaves a baseline (${howToPublish(settings, 'staging')}), or set \`defer-env: production\` to defer to production. ` +
            'The action does not fall back to production by itself: like dbt Cloud, it defers to one environment per run.', env, searched);
    }
    if (settings.ifNoBaseline === 'fail') {
        throw new NoBaselineError(`No production baseline was found. Searched:${where}\nPublish a first baseline: ${howToPublish(settings, 'production')} ` +
            'Or set `if-no-baseline: build-all` to build everything without defer until a baseline exists.', env, searched);
    }
    return { kind: 'none', env, searched, buildAll: true };
}
/** Why this environment was chosen, in the user's terms. */
function whyEnv(settings, env) {
    if (settings.deferEnv !== 'auto')
        return `\`defer-env: ${settings.deferEnv}\``;
    if (env === 'production')
        return '`defer-env: auto` and no staging is configured';
    const because = {
        'github-artifact': '`staging-workflow` is set',
        'actions-cache': '`staging-cache` is true',
        'dbt-cloud': settings.dbtCloud.deferEnvId
            ? `the pinned environment ${settings.dbtCloud.deferEnvId} is a staging environment`
            : 'the dbt Cloud project has a staging environment',
        url: '`staging-url` is set',
        path: '`staging-state-path` is set'
    };
    return `\`defer-env: auto\` and ${because[settings.source]}`;
}
/** How a baseline of `env` gets to where the configured source looks. */
function howToPublish(settings, env) {
    switch (settings.source) {
        case 'github-artifact': {
            const a = settings.artifact;
            const workflow = env === 'staging' ? a.stagingWorkflow : a.productionWorkflow;
            return `the workflow '${workflow ?? '(set `production-workflow`)'}' must succeed on ${a.branch ? `the branch '${a.branch}'` : 'the default branch'} and upload an artifact named '${a.artifactName}' holding dbt's target/manifest.json (actions/upload-artifact).`;
        }
        case 'actions-cache':
            return `run this action with \`mode: publish\` in the ${env} deploy job after dbt build, on a branch pull requests can read caches from (the default branch or the base branch); it saves target/manifest.json under keys starting with '${settings.cache.keyPrefix}-'.`;
        case 'dbt-cloud':
            return `run a deploy job (not a CI job) successfully in the dbt Cloud ${env} environment, with its artifacts saved.`;
        case 'url': {
            const url = env === 'staging' ? settings.url.staging : settings.url.production;
            return `upload the ${env} deploy's target/manifest.json to ${url ? displayUrl(url) : 'the URL'} after each deploy.`;
        }
        case 'path':
            return `put the ${env} manifest.json at ${(env === 'staging' ? settings.path.staging : settings.path.production) ?? 'the path'} before this step (e.g. download it in an earlier step).`;
    }
}
/** Whether the inputs point to production's baseline at all (some sources need an input for it). */
function productionConfigured(settings) {
    switch (settings.source) {
        case 'path':
            return Boolean(settings.path.production);
        case 'url':
            return Boolean(settings.url.production);
        case 'github-artifact':
            return Boolean(settings.artifact.productionWorkflow);
        default:
            return true;
    }
}
/** Every environment the inputs point to: staging when configured, production when configured. */
async function configuredEnvs(settings, source) {
    const envs = [];
    if (productionConfigured(settings) || settings.deferEnv === 'production')
        envs.push('production');
    if (settings.deferEnv === 'staging' || (await source.stagingConfigured()))
        envs.push('staging');
    return envs;
}
/**
 * The baselines of every configured environment, for the safety check: the one already found
 * for deferral is reused, the others are fetched into `evidenceDir(env)`. A search that finds
 * nothing is allowed only under `if-no-baseline: build-all`; a search that fails is never allowed.
 */
async function obtainEvidence(settings, source, args) {
    const evidence = [];
    for (const env of await configuredEnvs(settings, source)) {
        const known = args.known;
        if (known?.kind === 'found' && known.baseline.env === env)
            evidence.push({ env, manifest: known.baseline.manifest });
        else if (known?.kind === 'none' && known.env === env)
            evidence.push({ env, missing: { why: 'no baseline was found', allowed: true } });
        else
            evidence.push(await fetchEvidence(settings, source, env, args));
    }
    return evidence;
}
async function fetchEvidence(settings, source, env, args) {
    const dir = args.evidenceDir(env);
    try {
        const result = await source.fetch(env, join(dir, '.incoming'));
        if (!isBaseline(result)) {
            return {
                env,
                missing: {
                    why: `no ${env} baseline was found: ${result.searched.join('; ') || 'nothing to search'}`,
                    allowed: settings.ifNoBaseline === 'build-all'
                }
            };
        }
        const placed = await place(result, join(dir, 'manifest.json'), args);
        return { env, manifest: placed.manifest };
    }
    catch (error) {
        return { env, missing: { why: `fetching it failed: ${messageOf(error)}`, allowed: false } };
    }
    finally {
        await rm(join(dir, '.incoming'), { recursive: true, force: true });
    }
}

/** Builds the source `settings.source` names. Throws {@link BaselineConfigError} for missing inputs. */
function createBaselineSource(settings, deps) {
    const workspace = deps.workspace ?? process.cwd();
    const http = { ...httpOptionsOf(settings.network), ...deps.http, fetch: deps.fetch, log: deps.log };
    const fetched = settings.cacheFetched ? createFetchedCache(deps.cache, deps.tempDir, deps.log) : undefined;
    switch (settings.source) {
        case 'path':
            return createPathSource(settings.path, { baseDir: workspace });
        case 'url':
            return createUrlSource(settings.url, { http });
        case 'dbt-cloud':
            return createDbtCloudSource(settings.dbtCloud, { http, fetched, log: deps.log });
        case 'actions-cache':
            return createCacheSource(settings.cache, {
                store: deps.cache,
                tempDir: deps.tempDir,
                projectKey: async () => deps.projectKey ?? projectKeyFor(deps.projectDir, workspace),
                log: deps.log
            });
        case 'github-artifact':
            return gitHubArtifactSource(settings, deps, fetched, http);
    }
}
function gitHubArtifactSource(settings, deps, fetched, http) {
    if (!deps.github) {
        throw new BaselineConfigError('The baseline source `github-artifact` needs a GitHub token (input `github-token`, default `${{ github.token }}`) with `actions: read`.', 'github-token');
    }
    return createGitHubArtifactSource({
        client: deps.github(),
        repository: deps.repository,
        serverUrl: deps.serverUrl,
        settings: settings.artifact,
        log: deps.log,
        downloadDir: deps.downloadDir ?? join(deps.tempDir, 'dbt-defer-action', 'artifact'),
        http,
        fetched
    });
}

const COMPARED_TYPES = new Set(['model', 'seed', 'snapshot']);
/** The relation of a node, when it has one dbt can name. */
function relationOf(node) {
    if (!node || !node.relation_name || node.config?.materialized === 'ephemeral')
        return null;
    const identifier = node.alias || node.identifier || node.name;
    if (!node.schema || !identifier)
        return null;
    return { database: node.database ?? '', schema: node.schema, identifier, rendered: node.relation_name };
}
function isComparable(node) {
    return Boolean(node && COMPARED_TYPES.has(node.resource_type) && relationOf(node));
}
/** The key the project declares for a node: a unique test on one column, a primary key, or `unique_key`. */
function declaredKey(node, manifest) {
    return uniqueTestKey(node, manifest) ?? primaryKey(node) ?? uniqueKeyConfig(node);
}
function uniqueTestKey(node, manifest) {
    const columns = Object.values(manifest.nodes)
        .filter((t) => t.resource_type === 'test' && t.attached_node === node.unique_id)
        .filter((t) => t.test_metadata?.name === 'unique' && typeof t.column_name === 'string')
        .map((t) => t.column_name)
        .sort();
    return columns.length > 0 ? { column: columns[0], source: 'unique-test' } : null;
}
function primaryKey(node) {
    const model = (node.constraints ?? []).find((c) => c.type === 'primary_key');
    if (model?.columns?.length === 1)
        return { column: model.columns[0], source: 'primary-key' };
    const columns = node.columns ?? {};
    const column = Object.entries(columns).find(([, c]) => (c.constraints ?? []).some((k) => k.type === 'primary_key'));
    return column ? { column: column[1].name ?? column[0], source: 'primary-key' } : null;
}
function uniqueKeyConfig(node) {
    const key = node.config?.unique_key;
    const one = Array.isArray(key) && key.length === 1 ? key[0] : key;
    return typeof one === 'string' && /^[^\s,()]+$/.test(one) ? { column: one, source: 'unique-key' } : null;
}
/** Depth of every node in the current manifest's graph: roots 0, each child one more than its deepest parent. */
function depths(manifest) {
    const memo = new Map();
    const visiting = new Set();
    const depth = (id) => {
        const known = memo.get(id);
        if (known !== undefined)
            return known;
        if (visiting.has(id))
            return 0;
        visiting.add(id);
        const parents = manifest.nodes[id]?.depends_on?.nodes ?? [];
        const d = parents.length === 0 ? 0 : 1 + Math.max(...parents.map(depth));
        visiting.delete(id);
        memo.set(id, d);
        return d;
    };
    for (const id of Object.keys(manifest.nodes))
        depth(id);
    return memo;
}
function removedModels(manifest, baseline) {
    const removed = [];
    // One node at a time: a big baseline's nodes are read from its file as they are reached.
    for (const [, entry] of entriesOf(baseline.nodes)) {
        const n = entry;
        if (COMPARED_TYPES.has(n.resource_type) && n.package_name === baseline.metadata.project_name && !manifest.nodes[n.unique_id])
            removed.push({ unique_id: n.unique_id, name: n.name, resource_type: n.resource_type, relation: n.relation_name ?? null });
    }
    return removed.sort((a, b) => (a.unique_id < b.unique_id ? -1 : 1));
}
function targetOf(node, manifest, baseline) {
    return {
        uniqueId: node.unique_id,
        name: node.version === null || node.version === undefined ? node.name : `${node.name}.v${node.version}`,
        resourceType: node.resource_type,
        ci: relationOf(node),
        deferred: relationOf(baseline.nodes[node.unique_id]),
        key: declaredKey(node, manifest)
    };
}
/** The comparison's plan: the targets, most downstream first and capped; what is left out; what the PR removed. */
function planComparison(args) {
    const { manifest, baseline } = args;
    const built = args.runResults.results
        .filter((r) => r.status === 'success')
        .map((r) => manifest.nodes[r.unique_id])
        .filter(isComparable);
    const depth = depths(manifest);
    built.sort((a, b) => (depth.get(b.unique_id) ?? 0) - (depth.get(a.unique_id) ?? 0) || (a.unique_id < b.unique_id ? -1 : 1));
    const targets = built.slice(0, args.maxModels).map((n) => targetOf(n, manifest, baseline));
    const notCompared = built.slice(args.maxModels).map((n) => ({
        unique_id: n.unique_id,
        name: n.name,
        reason: `over compare-max-models (${args.maxModels}): the ${args.maxModels} most downstream models were compared`
    }));
    return { targets, notCompared, removed: removedModels(manifest, baseline) };
}

/**
 * The ownership marker: a one-row table the action creates, through dbt, in every schema it
 * creates for a pull request (or a run). It names the repository, the dbt project and the pull
 * request or run, and is the positive proof a drop needs: a schema without it is never dropped.
 * Pure: the SQL is rendered and run by dbt (probe.ts), so it works on every adapter.
 */
/** The marker relation's name in each schema the action creates. */
const MARKER_TABLE = 'dbt_defer_action_owner';
/** Column order of the marker table. */
const MARKER_COLUMNS = ['repository', 'project', 'pr', 'run_id', 'created_at'];
/** Why a marker does not prove the run's ownership, or undefined when it does. */
function ownerMatches(marker, owner) {
    if (marker.repository !== owner.repository)
        return `repository '${marker.repository}', not '${owner.repository}'`;
    if (marker.project !== owner.project)
        return `dbt project '${marker.project}', not '${owner.project}'`;
    if (owner.pr !== undefined) {
        return marker.pr === String(owner.pr)
            ? undefined
            : `${marker.pr ? `pull request #${marker.pr}` : `run ${marker.run_id}`}, not pull request #${owner.pr}`;
    }
    return marker.pr === '' && marker.run_id === (owner.runId ?? '')
        ? undefined
        : `${marker.pr ? `pull request #${marker.pr}` : `run ${marker.run_id}`}, not run ${owner.runId ?? '(none)'}`;
}
/** A text as a SQL string literal (single quotes doubled). */
function sqlString(value) {
    return `'${value.replace(/'/g, "''")}'`;
}
/** A text as a Jinja string literal inside `{% %}` (backslashes and quotes escaped). */
function jinjaString(value) {
    return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
/** The select that fills a new marker table. */
function markerSelect(owner, createdAt) {
    const values = {
        repository: owner.repository,
        project: owner.project,
        pr: owner.pr === undefined ? '' : String(owner.pr),
        run_id: owner.pr === undefined ? (owner.runId ?? '') : '',
        created_at: createdAt.toISOString()
    };
    return `select ${MARKER_COLUMNS.map((c) => `cast(${sqlString(values[c])} as varchar(512)) as ${c}`).join(', ')}`;
}

/**
 * The comparison as one inline Jinja program that dbt renders under the CI target: for each
 * target it asks the adapter for both relations (`adapter.get_relation`), their columns
 * (`adapter.get_columns_in_relation`), their row counts, and, for a keyed model, the keys only
 * in CI, only in the deferred environment, and the keys whose other columns differ, through
 * dbt's own `except` and `get_limit_subquery_sql` macros and `adapter.quote`. Only selects: it
 * creates nothing. It prints a progress line before each phase of each target, so a failure
 * (a denied read) names the relation it stopped at. Pure.
 */
/** Markers around the result in the compiled code. */
const RESULT_BEGIN = '/*DBT_DEFER_COMPARE';
const RESULT_END = 'DBT_DEFER_COMPARE*/';
/** The progress line's prefix: `DBT_DEFER_COMPARE_AT <index>:<phase>`. */
const PROGRESS = 'DBT_DEFER_COMPARE_AT';
/** A value as a Jinja literal; strings escaped. */
function jinjaLiteral(value) {
    if (value === null || value === undefined)
        return 'none';
    if (typeof value === 'string')
        return jinjaString(value);
    if (typeof value === 'number')
        return String(value);
    if (typeof value === 'boolean')
        return value ? 'true' : 'false';
    if (Array.isArray(value))
        return `[${value.map(jinjaLiteral).join(', ')}]`;
    return `{${Object.entries(value)
        .map(([k, v]) => `${jinjaString(k)}: ${jinjaLiteral(v)}`)
        .join(', ')}}`;
}
function targetLiteral(t, i) {
    const parts = (r) => (r ? [r.database, r.schema, r.identifier] : null);
    return { i, c: parts(t.ci), d: parts(t.deferred), k: t.key?.column ?? null };
}
const progress = (phase) => `{%- do print('${PROGRESS} ' ~ t.i ~ ':${phase}') -%}`;
const RELATIONS = `{%- set ci = adapter.get_relation(database=t.c[0], schema=t.c[1], identifier=t.c[2]) -%}` +
    `{%- set base = adapter.get_relation(database=t.d[0], schema=t.d[1], identifier=t.d[2]) if t.d else none -%}` +
    `{%- set r = {'i': t.i, 'ci_exists': ci is not none, 'deferred_exists': base is not none, 'ci_columns': [], 'deferred_columns': [], 'ci_rows': none, 'deferred_rows': none} -%}`;
const columnsOf = (rel, list) => `{%- if ${rel} is not none -%}{%- for c in adapter.get_columns_in_relation(${rel}) -%}` +
    `{%- do r.${list}.append({'name': c.name, 'type': c.data_type}) -%}{%- endfor -%}{%- endif -%}`;
const countOf = (rel, field) => `{%- if ${rel} is not none -%}{%- do r.update({'${field}': run_query('select count(*) as n from ' ~ ${rel} ~ where).columns[0].values()[0] | int}) -%}{%- endif -%}`;
/** Finds the key among both sides' columns (case-insensitively) and the columns whose values compare. */
const KEY_COLUMNS = `{%- set kn = [] -%}{%- for c in r.ci_columns if c.name | lower == t.k | lower -%}{%- do kn.append(c.name) -%}{%- endfor -%}` +
    `{%- set bt = {} -%}{%- for c in r.deferred_columns -%}{%- do bt.update({c.name: c.type}) -%}{%- endfor -%}` +
    `{%- set cols = [] -%}{%- for c in r.ci_columns if kn and c.name != kn[0] and bt.get(c.name) == c.type -%}{%- do cols.append(c.name) -%}{%- endfor -%}`;
const KEY_SETS = `{%- set k = adapter.quote(kn[0]) -%}{%- set qc = [k] -%}{%- for c in cols -%}{%- do qc.append(adapter.quote(c)) -%}{%- endfor -%}` +
    `{%- set ex = ' ' ~ dbt.except() | trim ~ ' ' -%}` +
    `{%- set ck = 'select ' ~ k ~ ' from ' ~ ci ~ where -%}{%- set bk = 'select ' ~ k ~ ' from ' ~ base ~ where -%}` +
    `{%- set cr = 'select ' ~ qc | join(', ') ~ ' from ' ~ ci ~ where -%}{%- set br = 'select ' ~ qc | join(', ') ~ ' from ' ~ base ~ where -%}` +
    `{%- set sets = {'only_ci': ck ~ ex ~ bk, 'only_deferred': bk ~ ex ~ ck, 'changed': 'select ' ~ k ~ ' from (' ~ cr ~ ex ~ br ~ ') as dbt_defer_d where ' ~ k ~ ' in (' ~ bk ~ ')'} -%}`;
const KEY_COUNTS = `{%- set q = 'select (select count(*) from (' ~ sets.only_ci ~ ') as dbt_defer_a) as only_ci, (select count(*) from (' ~ sets.only_deferred ~ ') as dbt_defer_b) as only_deferred, (select count(*) from (' ~ sets.changed ~ ') as dbt_defer_c) as changed' -%}` +
    `{%- set row = run_query(q).rows[0] -%}` +
    `{%- set kd = {'column': kn[0], 'compared': cols, 'only_ci': row[0] | int, 'only_deferred': row[1] | int, 'changed': row[2] | int, 'examples': {'only_ci': [], 'only_deferred': [], 'changed': []}} -%}`;
const KEY_EXAMPLES = `{%- if examples > 0 -%}{%- for name in ['only_ci', 'only_deferred', 'changed'] if kd[name] > 0 -%}` +
    `{%- set eq = get_limit_subquery_sql('select ' ~ k ~ ' from (' ~ sets[name] ~ ') as dbt_defer_e order by 1', examples) -%}` +
    `{%- for er in run_query(eq).rows -%}{%- do kd.examples[name].append('' if er[0] is none else er[0] | string) -%}{%- endfor -%}` +
    `{%- endfor -%}{%- endif -%}`;
/** With value samples on: the example changed rows, whole, on both sides. */
const VALUE_SAMPLES = `{%- if samples and examples > 0 and kd.changed > 0 -%}` +
    `{%- set ek = get_limit_subquery_sql('select ' ~ k ~ ' from (' ~ sets.changed ~ ') as dbt_defer_e order by 1', examples) -%}` +
    `{%- set vs = {'columns': [kn[0]] + cols, 'ci': [], 'deferred': []} -%}` +
    `{%- for side, rel in [['ci', ci], ['deferred', base]] -%}` +
    `{%- set vq = 'select ' ~ qc | join(', ') ~ ' from ' ~ rel ~ (where ~ ' and ' if where else ' where ') ~ k ~ ' in (' ~ ek ~ ')' -%}` +
    `{%- for vr in run_query(vq).rows -%}{%- set vals = [] -%}{%- for v in vr -%}{%- do vals.append(none if v is none else v | string) -%}{%- endfor -%}` +
    `{%- do vs[side].append(vals) -%}{%- endfor -%}{%- endfor -%}{%- do kd.update({'values': vs}) -%}{%- endif -%}`;
const KEY_DIFF = `{%- if t.k and ci is not none and base is not none -%}${KEY_COLUMNS}` +
    `{%- if not kn or kn[0] not in bt -%}{%- do r.update({'key_skipped': 'the key column ' ~ t.k ~ ' is not in both relations'}) -%}` +
    `{%- elif r.ci_rows > max_rows or r.deferred_rows > max_rows -%}{%- do r.update({'key_skipped': 'more than ' ~ max_rows ~ ' rows (compare-key-diff-max-rows)'}) -%}` +
    `{%- else -%}${progress('keys')}${KEY_SETS}${KEY_COUNTS}${KEY_EXAMPLES}${VALUE_SAMPLES}` +
    `{%- do r.update({'keys': kd}) -%}{%- endif -%}{%- endif -%}`;
/** The inline SQL of the comparison of these targets; each target's index in the result is its index here. */
function compareSql(targets, opts) {
    const where = opts.where ? ` where (${opts.where})` : '';
    const list = jinjaLiteral(targets.map(targetLiteral));
    return (`{% if execute %}{%- set targets = ${list} -%}{%- set where = ${jinjaString(where)} -%}` +
        `{%- set max_rows = ${opts.keyDiffMaxRows} -%}{%- set examples = ${opts.exampleKeys} -%}{%- set samples = ${opts.valueSamples ? 'true' : 'false'} -%}{%- set results = [] -%}` +
        `{%- for t in targets -%}${progress('columns')}${RELATIONS}${columnsOf('ci', 'ci_columns')}${columnsOf('base', 'deferred_columns')}` +
        `${progress('rows')}${countOf('ci', 'ci_rows')}${countOf('base', 'deferred_rows')}${KEY_DIFF}{%- do results.append(r) -%}{%- endfor -%}` +
        `${RESULT_BEGIN}{{ tojson(results) }}${RESULT_END}{% endif %}select 1 as compared`);
}

/** The results in the compiled code of the comparison, or undefined when there are none. */
function resultsOf(runResults) {
    const code = runResults?.results?.[0]?.compiled_code ?? '';
    const start = code.indexOf(RESULT_BEGIN);
    const end = code.indexOf(RESULT_END, start);
    if (start < 0 || end < 0)
        return undefined;
    return JSON.parse(code.slice(start + RESULT_BEGIN.length, end));
}
/** The message of a line of dbt's output: the line itself, or `info.msg` of a JSON log line. */
function messageOfLine(line) {
    const trimmed = line.trim();
    if (!trimmed.startsWith('{'))
        return line;
    try {
        const event = JSON.parse(trimmed);
        return typeof event.info?.msg === 'string' ? event.info.msg : line;
    }
    catch {
        return line;
    }
}
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');
const PROGRESS_LINE = new RegExp(`${PROGRESS} (\\d+):(columns|rows|keys)`);
/** The last progress line of a failed comparison and dbt's error after it; undefined when none printed. */
function stoppedAt(output) {
    const lines = output.split('\n').map((l) => messageOfLine(l).replace(ANSI, ''));
    let last = -1;
    let match = null;
    lines.forEach((line, i) => {
        const m = PROGRESS_LINE.exec(line);
        if (m) {
            last = i;
            match = m;
        }
    });
    if (!match)
        return undefined;
    const found = match;
    return { index: Number(found[1]), phase: found[2], error: errorLines(lines.slice(last + 1)) };
}
/** dbt's error lines, short: without timestamps, blank lines and the summary boilerplate. */
function errorLines(lines) {
    const kept = lines
        .map((l) => l
        .replace(/^\s*\d{2}:\d{2}:\d{2}\s+/, '')
        .replace(/ in sql_operation inline_query \(from remote system\.sql\)/, ':')
        .trim())
        .filter((l) => l !== '' && !/^(Encountered an error|Running with dbt|Registered adapter|Found \d+|Concurrency|\w+ Error$)/.test(l));
    return kept.slice(0, 6).join(' ').slice(0, 500) || 'dbt gave no reason';
}

/** The schema difference: columns only in CI, only in the deferred environment, and with another type. */
function schemaChange(ci, deferred) {
    const base = new Map(deferred.map((c) => [c.name, c.type]));
    const mine = new Set(ci.map((c) => c.name));
    const typeChanged = ci
        .filter((c) => base.has(c.name) && base.get(c.name) !== c.type)
        .map((c) => ({ name: c.name, ci_type: c.type, deferred_type: base.get(c.name) }));
    return {
        added: ci.filter((c) => !base.has(c.name)),
        removed: deferred.filter((c) => !mine.has(c.name)),
        type_changed: typeChanged,
        unchanged: ci.filter((c) => base.get(c.name) === c.type).length
    };
}
/** Row counts and their change (percent to one decimal). */
function rowChange(ci, deferred) {
    if (deferred === null)
        return { ci, deferred: null, change: null, change_pct: null };
    const change = ci - deferred;
    return { ci, deferred, change, change_pct: deferred > 0 ? Math.round((change / deferred) * 1000) / 10 : null };
}
/** What a key-less model's report says. */
const NO_KEY_NOTE = 'no key declared (a unique test on one column, a primary key constraint or unique_key): schema and row counts only';
function keyNote(target, raw, failedNote, schema) {
    if (!target.key)
        return NO_KEY_NOTE;
    if (failedNote)
        return failedNote;
    if (raw.key_skipped)
        return `key diff skipped: ${raw.key_skipped}`;
    if (schema && schema.type_changed.length > 0)
        return `values of the columns whose type changed are not compared: ${schema.type_changed.map((c) => c.name).join(', ')}`;
    return null;
}
/** Pairs the example changed rows of both sides by key and keeps the columns that differ. */
function valueSamples(values) {
    if (!values)
        return null;
    const deferred = new Map(values.deferred.map((row) => [row[0] ?? '', row]));
    return values.ci.map((row) => {
        const other = deferred.get(row[0] ?? '') ?? [];
        const columns = values.columns
            .map((name, i) => ({ name, ci: row[i] ?? null, deferred: other[i] ?? null }))
            .filter((c, i) => i > 0 && c.ci !== c.deferred);
        return { key: row[0] ?? '', columns };
    });
}
function keyDiff(raw) {
    const k = raw.keys;
    if (!k)
        return null;
    const { only_ci, only_deferred, changed, examples } = k;
    return { only_ci, only_deferred, changed, compared_columns: k.compared, examples, value_samples: valueSamples(k.values) };
}
function base(target) {
    return {
        unique_id: target.uniqueId,
        name: target.name,
        resource_type: target.resourceType,
        ci_relation: target.ci.rendered,
        deferred_relation: target.deferred?.rendered ?? null,
        key: target.key
    };
}
/** A model whose comparison failed. */
function failedChange(target, error) {
    return { ...base(target), status: 'failed', columns: [], schema: null, rows: null, key_diff: null, key_diff_note: null, error };
}
/**
 * One model's data change. `failedKeyNote` says why the key diff failed in an earlier attempt.
 * Returns a warning too, when the deferred environment lacks a relation its manifest names.
 */
function modelChange(target, raw, env, failedKeyNote) {
    if (!raw.ci_exists || raw.ci_rows === null)
        return { change: failedChange(target, `the CI relation ${target.ci.rendered} was not found, although this run built it`) };
    if (!target.deferred || !raw.deferred_exists) {
        const warning = target.deferred
            ? `${target.name}: ${env}'s manifest names ${target.deferred.rendered}, but that relation does not exist; it is reported as a new model.`
            : undefined;
        const change = {
            ...base(target),
            deferred_relation: null,
            status: 'new',
            columns: raw.ci_columns,
            schema: null,
            rows: rowChange(raw.ci_rows, null),
            key_diff: null,
            key_diff_note: null,
            error: null
        };
        return { change, warning };
    }
    const schema = schemaChange(raw.ci_columns, raw.deferred_columns);
    return {
        change: {
            ...base(target),
            status: 'compared',
            columns: [],
            schema,
            rows: rowChange(raw.ci_rows, raw.deferred_rows),
            key_diff: keyDiff(raw),
            key_diff_note: keyNote(target, raw, failedKeyNote, schema),
            error: null
        }
    };
}
/** Whether a compared model changed in any way the comparison sees. */
function hasChanges(m) {
    if (m.status !== 'compared')
        return true;
    const s = m.schema;
    const schemaChanged = Boolean(s && (s.added.length || s.removed.length || s.type_changed.length));
    const rowsChanged = Boolean(m.rows?.change);
    const keysChanged = Boolean(m.key_diff && (m.key_diff.only_ci || m.key_diff.only_deferred || m.key_diff.changed));
    return schemaChanged || rowsChanged || keysChanged;
}
/** The totals of the headline. */
function totalsOf(models, removed) {
    const sum = (f) => models.reduce((n, m) => n + f(m), 0);
    return {
        models: models.length,
        new_models: models.filter((m) => m.status === 'new').length,
        removed_models: removed,
        columns_added: sum((m) => m.schema?.added.length ?? 0),
        columns_removed: sum((m) => m.schema?.removed.length ?? 0),
        columns_type_changed: sum((m) => m.schema?.type_changed.length ?? 0),
        rows_changed: sum((m) => (m.key_diff ? m.key_diff.only_ci + m.key_diff.only_deferred + m.key_diff.changed : 0)),
        row_count_changes: models.filter((m) => m.status === 'compared' && Boolean(m.rows?.change)).length,
        failed: models.filter((m) => m.status === 'failed').length
    };
}

/**
 * The comparison step: after the build, one `dbt show --inline` under the CI target reads every
 * planned relation beside the deferred environment's. When dbt fails part way (a denied read, a
 * type the adapter cannot compare), the progress lines name the relation it stopped at, and one
 * second invocation compares the rest (that model without its key diff, when the key diff was
 * what failed). Never more than two invocations; every failure is a warning, never the build's.
 */
const MAX_INVOCATIONS = 2;
async function invoke(name, jobs, settings, deps) {
    const targets = jobs.map((j) => (j.keyFailed ? { ...j.target, key: null } : j.target));
    const { where, keyDiffMaxRows, exampleKeys, valueSamples } = settings;
    const sql = compareSql(targets, { where, keyDiffMaxRows, exampleKeys, valueSamples });
    const step = await deps.runner.step(name, ['show', '--quiet', '--inline', sql, '--limit', '1'], {
        logAs: `show --quiet --inline <compare ${jobs.length} relations with the deferred environment's> --limit 1`,
        reads: 'run-results'
    });
    if (step.exit.exitCode !== 0)
        return { output: step.exit.output };
    const runResults = (await deps.readJson(join(step.targetDir, 'run_results.json')));
    return { results: resultsOf(runResults), output: step.exit.output };
}
/** Runs the comparison, at most twice. */
async function attempts(targets, settings, deps) {
    const outcome = { results: new Map(), failed: new Map(), keyFailed: new Map(), invocations: 0 };
    let jobs = targets.map((target, at) => ({ at, target }));
    while (jobs.length > 0) {
        outcome.invocations++;
        const run = await invoke(outcome.invocations === 1 ? 'compare' : 'compare-retry', jobs, settings, deps);
        if (run.results) {
            run.results.forEach((r, i) => outcome.results.set(jobs[i].at, r));
            return outcome;
        }
        const stop = stoppedAt(run.output);
        const last = outcome.invocations >= MAX_INVOCATIONS;
        if (!stop || last) {
            const why = stop ? `${stop.error} (at ${jobs[stop.index]?.target.name})` : errorLines(run.output.split('\n').slice(-20));
            const note = last ? `the comparison failed twice; the second time: ${why}` : why;
            for (const j of jobs)
                if (!outcome.failed.has(j.at))
                    outcome.failed.set(j.at, note);
            return outcome;
        }
        const job = jobs[stop.index];
        if (stop.phase === 'keys') {
            job.keyFailed = `key diff failed: ${stop.error}`;
            outcome.keyFailed.set(job.at, job.keyFailed);
        }
        else {
            outcome.failed.set(job.at, stop.error);
            jobs = jobs.filter((j) => j !== job);
        }
    }
    return outcome;
}
function collect(targets, outcome, env) {
    const warnings = [];
    const models = targets.map((target, at) => {
        const raw = outcome.results.get(at);
        const failed = outcome.failed.get(at);
        if (!raw) {
            warnings.push(`The data of ${target.name} could not be compared with ${env}: ${failed ?? 'dbt returned no result'}.`);
            return failedChange(target, failed ?? 'dbt returned no result');
        }
        const keyFailed = outcome.keyFailed.get(at);
        if (keyFailed)
            warnings.push(`The key diff of ${target.name} against ${env} failed: ${keyFailed.replace(/^key diff failed: /, '')}.`);
        const { change, warning } = modelChange(target, raw, env, keyFailed);
        if (warning)
            warnings.push(warning);
        return change;
    });
    return { models, warnings };
}
/** The data changes of the run against the deferred environment. Throws only on a defect. */
async function compareData(settings, input, deps) {
    const plan = planComparison({ ...input, maxModels: settings.maxModels });
    const outcome = plan.targets.length > 0 ? await attempts(plan.targets, settings, deps) : undefined;
    const { models, warnings } = outcome ? collect(plan.targets, outcome, input.env) : { models: [], warnings: [] };
    return {
        against: input.env,
        where: settings.where ?? null,
        models,
        removed: plan.removed,
        not_compared: plan.notCompared,
        totals: totalsOf(models, plan.removed.length),
        warnings,
        invocations: outcome?.invocations ?? 0
    };
}
/** The data changes when the comparison itself broke: no models, the reason as a warning. */
function brokenComparison(env, error) {
    return {
        against: env,
        where: null,
        models: [],
        removed: [],
        not_compared: [],
        totals: totalsOf([], 0),
        warnings: [`The data comparison with ${env} could not run: ${messageOf(error)}. The build's result stands.`],
        invocations: 0
    };
}

/**
 * The compiled SQL of each result: the evidence of where its refs resolved. dbt-core records it
 * in run_results.json (`compiled_code`); dbt Fusion did not before 2.0.0-preview.209 and still
 * leaves it out of some results, so the SQL files dbt wrote are read instead: `target/compiled`
 * (the select) first, then `target/run` (the statement that ran). dbt-core writes them under the
 * package's name (`compiled/<package>/models/a.sql`); Fusion without it (`compiled/models/a.sql`).
 * A node that shares its file with others (a generic test in YAML) is its path under that file's path.
 */
/** The SQL a result carries itself, when it carries any. */
function ownSql(r) {
    return typeof r.compiled_code === 'string' && r.compiled_code.trim() !== '' ? { code: r.compiled_code, from: 'run_results' } : undefined;
}
/** The node's file paths under a SQL directory of the target, in the order they are tried. */
function sqlFileCandidates(node) {
    // Paths come from an artifact: one that is absolute or climbs out is not the node's file.
    const inside = (p) => p !== '' && !p.startsWith('/') && !p.split('/').includes('..');
    const original = typeof node.original_file_path === 'string' ? node.original_file_path : '';
    if (!inside(original))
        return [];
    const path = typeof node.path === 'string' ? node.path : '';
    // dbt-core's rule: a node whose path is not named like its file (a YAML file's tests, a YAML
    // snapshot, a block of snapshots) is written under a directory named after that file.
    const own = path && basename(path) !== basename(original) ? join(original, path) : original;
    const packaged = typeof node.package_name === 'string' && node.package_name ? [join(node.package_name, own)] : [];
    return [...packaged, own].filter(inside);
}
async function readIfPresent(path) {
    try {
        const text = await readFile(path, 'utf8');
        return text.trim() === '' ? undefined : text;
    }
    catch {
        return undefined;
    }
}
/**
 * Where a node's statement may be under `target/run`: dbt-core's path; Fusion's since
 * 2.0.0-preview.175, the same directory with the file named after the alias; and Fusion's before
 * it, `<name>.sql` at the top (dbt-core commit dce292d3, "Make target/compiled and target/run
 * folder structure similar to dbt-core").
 */
function runFileCandidates(node) {
    const own = sqlFileCandidates(node);
    const alias = typeof node.alias === 'string' && node.alias ? node.alias : node.name;
    const safe = (file) => typeof file === 'string' && /^[^/\\]+$/.test(file) && file !== '..';
    const named = safe(alias) ? own.map((p) => join(dirname(p), `${alias}.sql`)) : [];
    const flat = [node.name, alias].filter((n, i, all) => safe(n) && all.indexOf(n) === i).map((n) => `${n}.sql`);
    return [...new Set([...own, ...named, ...flat])];
}
/** A node's SQL from the files dbt wrote in `targetDir`, or undefined when there is none. */
async function sqlFromFiles(targetDir, node) {
    for (const from of ['target/compiled', 'target/run']) {
        const dir = join(targetDir, from.slice('target/'.length));
        const candidates = from === 'target/run' ? runFileCandidates(node) : sqlFileCandidates(node);
        for (const candidate of candidates) {
            const code = await readIfPresent(join(dir, candidate));
            if (code !== undefined)
                return { code, from };
        }
    }
    return undefined;
}
/** Results dbt compiled without recording the SQL: the ones whose files are worth reading. */
function wanting(r) {
    return ownSql(r) === undefined && r.status !== 'skipped' && r.status !== 'reused';
}
/**
 * The compiled SQL of every result that does not carry its own, read from `targetDir` (the
 * step's own target directory, so every file there is this invocation's). Results that carry
 * their SQL are not in the map: they are read from run_results.json.
 */
async function readSqlFiles(targetDir, runResults, manifest) {
    const found = new Map();
    for (const r of runResults.results.filter(wanting)) {
        const node = Object.hasOwn(manifest.nodes, r.unique_id) ? manifest.nodes[r.unique_id] : undefined;
        const sql = node ? await sqlFromFiles(targetDir, node) : undefined;
        if (sql)
            found.set(r.unique_id, sql);
    }
    return found;
}

function isMissing(error) {
    return error?.code === 'ENOENT';
}
/**
 * Reads and checks one artifact. A file that is missing, unreadable, not JSON or lacking a field
 * the report reads is a problem to report, never a crash of the report step.
 */
async function readOne(path, readJson, problems, check) {
    const file = path.split('/').pop() ?? path;
    let parsed;
    try {
        parsed = await readJson(path);
    }
    catch (error) {
        problems.push(isMissing(error) ? `dbt wrote no ${file} for this run` : `${file} could not be read: ${messageOf(error)}`);
        return undefined;
    }
    if (!parsed || typeof parsed !== 'object') {
        problems.push(`${file} holds no JSON object`);
        return undefined;
    }
    try {
        return check(parsed, file);
    }
    catch (error) {
        if (!(error instanceof ArtifactCheckError))
            throw error;
        problems.push(error.message);
        return undefined;
    }
}
/**
 * Reads run_results.json and manifest.json of a step, each checked for the fields the report
 * reads: one that fails the check is left out and said in `problems`, as a missing one is. The
 * directory is the step's own and was empty before it ran, so whatever is found there is this
 * invocation's.
 */
async function readRunArtifacts(targetDir, readJson = readJsonFile) {
    const problems = [];
    const runResultsPath = join(targetDir, 'run_results.json');
    const manifestPath = join(targetDir, 'manifest.json');
    const runResults = await readOne(runResultsPath, readJson, problems, checkRunResults);
    const manifest = await readOne(manifestPath, readJson, problems, checkRunManifest);
    const sqlFiles = runResults && manifest ? await readSqlFiles(targetDir, runResults, manifest) : new Map();
    return { runResults, manifest, runResultsPath, manifestPath, problems, sqlFiles };
}

/**
 * dbt's partial-parse file (`partial_parse.msgpack`) kept across runs in the actions cache, so a
 * pull request's second push does not parse the project from scratch.
 *
 * dbt decides for itself whether a restored file may be used (dbt-core's
 * ManifestLoader.is_partial_parsable): the dbt version, a hash of the command-line vars, profile
 * name and target name, a hash of the env vars dbt_project.yml reads, a hash of every project's
 * dbt_project.yml, and the *profile hash*, a hash of the CI target's connection info
 * (`credentials.connection_info()`: for DuckDB and PostgreSQL the schema among them). A file of
 * another pull request was made under another CI schema, so dbt rejects it ("profile has
 * changed"); keeping the hash equal across pull requests would mean handing dbt the schema
 * otherwise, which changes what it builds. The entries are therefore keyed per pull request (or
 * per branch without one), and shared across pull requests only when there is no per-PR schema.
 * dbt re-parses every file whose checksum changed, so a stale file costs a partial re-parse,
 * never a different build.
 */
/** Bumped when the entries' layout changes, so older entries are never restored. */
const LAYOUT = 'v1';
/** A key part: lower case, other characters `_`, short. */
function part(text) {
    return text
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '_')
        .slice(0, 60);
}
/** The entry key this run saves under, and the prefixes it restores from, most specific first. */
function parseCacheKeys(scope) {
    const base = `dbt-defer-parse-${LAYOUT}-${part(scope.projectKey)}-${part(scope.target ?? 'default')}-`;
    const own = scope.pr !== undefined ? `pr${scope.pr}-` : `ref-${part(scope.branch ?? 'none')}-`;
    const restoreKeys = [`${base}${own}`, ...(scope.perPrSchema ? [] : [base])];
    return { key: `${base}${own}${part(scope.runId ?? String(Date.now()))}`, restoreKeys };
}
/** A parse cache over the actions cache; it never fails the run. */
function parseCache(deps) {
    const file = join(deps.dir, PARTIAL_PARSE_FILE);
    const { key, restoreKeys } = parseCacheKeys(deps.scope);
    const usable = () => deps.store.available?.() ?? true;
    return {
        async restore() {
            if (!usable()) {
                deps.log.info('The parse cache is skipped: the actions cache service is not available to this job.');
                return undefined;
            }
            rmSync(deps.dir, { recursive: true, force: true });
            mkdirSync(deps.dir, { recursive: true });
            const hit = await deps.store.restore([file], key, restoreKeys);
            if (!hit || !existsSync(file)) {
                deps.log.info('No partial-parse file of this pull request in the actions cache: dbt parses the project in full.');
                return undefined;
            }
            deps.log.info(`Restored dbt's partial-parse file from the actions cache (${hit}); dbt checks it before using it.`);
            return deps.dir;
        },
        async save(targetDir) {
            if (!targetDir || !usable())
                return;
            const made = join(targetDir, PARTIAL_PARSE_FILE);
            if (!existsSync(made)) {
                deps.log.info('dbt wrote no partial-parse file (partial parsing off?): nothing to keep for the next run.');
                return;
            }
            if (deps.holdsSecret(readFileSync(made))) {
                deps.log.warning("dbt's partial-parse file holds one of this run's secrets (an env var read by the project?), so it is not saved to the actions cache.");
                return;
            }
            mkdirSync(deps.dir, { recursive: true });
            copyFileSync(made, file);
            await deps.store.save([file], key);
        }
    };
}

/** GitHub refuses comment bodies longer than this many characters. */
const MAX_COMMENT_LENGTH = 65536;
/** The author GITHUB_TOKEN (an installation token that cannot read `GET /user`) writes as. */
const ACTIONS_BOT_LOGIN = 'github-actions[bot]';
/** The hidden HTML comment that marks the action's comment. */
function markerComment(marker) {
    if (!marker.trim() || marker.includes('--') || marker.includes('>')) {
        throw new Error(`Invalid comment marker '${marker}': it must be non-empty and contain neither '--' nor '>'.`);
    }
    return `<!-- ${marker} -->`;
}
/**
 * Creates the action's comment on a pull request, or updates it in place when this author
 * already wrote one carrying the marker. Two runs of one pull request can both find none and
 * both create one; so after creating, it reads the comments again and converges: the oldest
 * comment of this author with the marker keeps the report (this body), later ones are deleted
 * (or, where deleting is refused, reduced to a line pointing at the report). A marker pasted by
 * somebody else is never touched. Every failed request throws a {@link CommentError}
 * ({@link CommentPermissionError} when the token may not write or cannot see the pull request).
 */
async function upsertStickyComment(client, args) {
    const tag = markerComment(args.marker);
    const body = args.body.includes(tag) ? args.body : `${tag}\n${args.body}`;
    if (body.length > MAX_COMMENT_LENGTH) {
        throw new Error(`The comment body has ${body.length} characters, over GitHub's limit of ${MAX_COMMENT_LENGTH}: the report renderer must trim it to its budget first.`);
    }
    const author = (args.author ?? (await authenticatedLogin(client, args))).toLowerCase();
    const upsert = { client, args, tag, body, author };
    const [oldest, ...later] = await ownComments(upsert);
    if (oldest)
        return { ...(await keepReport(upsert, oldest, later)), action: 'updated' };
    return converge(upsert, await createComment(upsert));
}
/** After creating `created`: re-reads the comments and leaves one, the oldest, with this body. */
async function converge(upsert, created) {
    const [oldest, ...later] = await ownComments(upsert);
    if (!oldest || oldest.id === created.id) {
        await removeDuplicates(upsert, later, created);
        return { id: created.id, url: created.html_url, action: 'created' };
    }
    // Another run created its comment first: that one keeps the report, this one goes.
    const duplicates = later.some((c) => c.id === created.id) ? later : [...later, created];
    return { ...(await keepReport(upsert, oldest, duplicates)), action: 'updated' };
}
/** Writes the body into `keeper` and removes the `duplicates`. */
async function keepReport(upsert, keeper, duplicates) {
    const kept = keeper.body === upsert.body ? keeper : await updateComment(upsert, keeper.id, upsert.body);
    await removeDuplicates(upsert, duplicates, kept);
    return { id: kept.id, url: kept.html_url };
}
/** Deletes each duplicate; one that may not be deleted is reduced to a line without the marker. */
async function removeDuplicates(upsert, duplicates, keeper) {
    for (const duplicate of duplicates) {
        const outcome = await deleteComment(upsert, duplicate.id);
        if (outcome === 'refused') {
            await updateComment(upsert, duplicate.id, `This report was superseded by ${keeper.html_url}.`);
        }
    }
}
/** This author's comments carrying the marker, oldest first, reading every page of comments. */
async function ownComments(upsert) {
    const { client, args } = upsert;
    const comments = await send(upsert, 'list', () => client.paginate(client.rest.issues.listComments, { owner: args.owner, repo: args.repo, issue_number: args.issueNumber, per_page: 100 }));
    const ours = comments.filter((c) => c.user?.login.toLowerCase() === upsert.author && (c.body ?? '').includes(upsert.tag));
    return ours.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id);
}
async function createComment(upsert) {
    const { client, args, body } = upsert;
    const { data } = await send(upsert, 'create', () => client.rest.issues.createComment({ owner: args.owner, repo: args.repo, issue_number: args.issueNumber, body }));
    return data;
}
async function updateComment(upsert, id, body) {
    const { client, args } = upsert;
    const { data } = await send(upsert, 'update', () => client.rest.issues.updateComment({ owner: args.owner, repo: args.repo, comment_id: id, body }), id);
    return data;
}
/** Deletes a comment; one already gone (another run removed it) counts as deleted. */
async function deleteComment(upsert, id) {
    const { client, args } = upsert;
    try {
        await client.rest.issues.deleteComment({ owner: args.owner, repo: args.repo, comment_id: id });
        return 'deleted';
    }
    catch (error) {
        const status = httpStatus(error);
        if (status === 404)
            return 'deleted';
        if (status === 403 && !/rate limit/i.test(messageOf(error)))
            return 'refused';
        throw commentFailure(error, args, 'delete', id);
    }
}
/** Sends one request of `step`, turning its failure into a {@link CommentError}. */
async function send(upsert, step, request, id) {
    try {
        return await request();
    }
    catch (error) {
        throw commentFailure(error, upsert.args, step, id);
    }
}
/** The token's login; an installation token cannot read `/user` (403) and writes as the Actions bot. */
async function authenticatedLogin(client, args) {
    try {
        const { data } = await client.rest.users.getAuthenticated();
        return data.login;
    }
    catch (error) {
        if (httpStatus(error) === 403)
            return ACTIONS_BOT_LOGIN;
        throw commentFailure(error, args, 'login');
    }
}
/** What each step tried, in words. */
function purposeOf(args, step, id) {
    const on = `on ${target(args)}`;
    switch (step) {
        case 'login':
            return "read the token's login (GET /user), which tells the action's earlier report comment apart";
        case 'list':
            return `list the comments ${on}`;
        case 'create':
            return `create the report comment ${on}`;
        case 'update':
            return `update the report comment ${id} ${on}`;
        case 'delete':
            return `delete the duplicate report comment ${id} ${on}`;
    }
}
function target(args) {
    return `${args.kind === 'issue' ? 'issue' : 'pull request'} #${args.issueNumber} of ${args.owner}/${args.repo}`;
}
/** A failed request as a {@link CommentError}: a permission error for a plain 403/404, else with the request explained. */
function commentFailure(error, args, step, id) {
    if (error instanceof CommentError)
        return error;
    const status = httpStatus(error) ?? 0;
    const request = failedRequest(error) ?? '';
    const permission = args.kind === 'issue' ? 'issues: write' : 'pull-requests: write';
    const action = purposeOf(args, step, id);
    if (step !== 'login' && (status === 403 || status === 404) && !/rate limit/i.test(messageOf(error))) {
        const message = `Could not ${action} (${request} answered ${status}: ${firstLine(messageOf(error))}): ${refusal(args, status, permission)}.`;
        return new CommentPermissionError(`${message} The report is still in the job summary.`, permission, status, request);
    }
    return new CommentError(`${describeGitHubError(error, { action, permission })} The report is still in the job summary.`, status, request);
}
/** Why a 403 or 404 happened and what to do. */
function refusal(args, status, permission) {
    if (status === 403) {
        return (`the token may not write comments on ${target(args)}. Grant the job \`permissions: ${permission}\`; ` +
            'a pull request from a fork only gets a read-only GITHUB_TOKEN, so there no comment can be written');
    }
    return `the token cannot see ${target(args)}. Check input pr-number, and that the token can read the repository and has \`${permission}\``;
}
function firstLine(text) {
    return text.split('\n')[0];
}

/**
 * A small SQL lexer: just enough to find dotted relation names in rendered SQL. Comments and
 * whitespace are dropped, string literals become opaque tokens, and quoted identifiers are
 * unescaped, so a relation mentioned in a comment or a string never counts as read.
 */
const OTHER = { kind: 'other' };
const DOT = { kind: 'dot' };
const WORD = /[\p{L}\p{N}_$]/u;
const SPACE = /\s/u;
/** Splits SQL into identifier, dot and other tokens, dropping comments and whitespace. */
function tokenizeSql(sql) {
    const out = [];
    const c = { sql, i: 0 };
    while (c.i < sql.length) {
        const tokens = nextTokens(c);
        for (const t of tokens)
            out.push(t);
    }
    return out;
}
/** Reads the token(s) at the cursor (none for whitespace and comments). */
function nextTokens(c) {
    const ch = c.sql[c.i];
    const next = c.sql[c.i + 1];
    if (SPACE.test(ch))
        return skip(c, 1);
    if (ch === '-' && next === '-')
        return skipLineComment(c);
    if (ch === '/' && next === '*')
        return skipBlockComment(c);
    if (ch === '.')
        return advance(c, 1, DOT);
    if (ch === '"')
        return [readQuoted(c, '"', '"')];
    if (ch === '[')
        return [readQuoted(c, '[', ']')];
    if (ch === '`')
        return splitBacktick(readQuoted(c, '`', '`'));
    if (ch === "'")
        return readString(c, false);
    if (ch === '$' && !isWordBefore(c)) {
        const dollar = readDollarString(c);
        if (dollar)
            return dollar;
    }
    if (WORD.test(ch))
        return readWord(c);
    return advance(c, 1, OTHER);
}
function skip(c, n) {
    c.i += n;
    return [];
}
function advance(c, n, token) {
    c.i += n;
    return [token];
}
function isWordBefore(c) {
    return c.i > 0 && WORD.test(c.sql[c.i - 1]);
}
function skipLineComment(c) {
    const end = c.sql.indexOf('\n', c.i);
    c.i = end < 0 ? c.sql.length : end + 1;
    return [];
}
/** Block comments nest in PostgreSQL and DuckDB; counting depth is harmless elsewhere. */
function skipBlockComment(c) {
    let depth = 0;
    while (c.i < c.sql.length) {
        const two = c.sql.slice(c.i, c.i + 2);
        if (two === '/*')
            depth++;
        else if (two === '*/')
            depth--;
        c.i += two === '/*' || two === '*/' ? 2 : 1;
        if (depth === 0)
            break;
    }
    return [];
}
/**
 * Reads a quoted identifier; a doubled closing quote is an escaped quote, and inside backticks
 * a backslash escapes the next character too. An unterminated quote swallows the rest.
 */
function readQuoted(c, open, close) {
    let text = '';
    c.i += open.length;
    while (c.i < c.sql.length) {
        const ch = c.sql[c.i];
        if (close === '`' && ch === '\\' && c.i + 1 < c.sql.length) {
            text += c.sql[c.i + 1];
            c.i += 2;
        }
        else if (ch === close && c.sql[c.i + 1] === close) {
            text += close;
            c.i += 2;
        }
        else if (ch === close) {
            c.i += 1;
            return { kind: 'ident', text, quoted: true };
        }
        else {
            text += ch;
            c.i += 1;
        }
    }
    return OTHER;
}
/** BigQuery accepts a whole path in one pair of backticks: `project.dataset.table`. */
function splitBacktick(token) {
    if (token.kind !== 'ident' || !token.text.includes('.'))
        return [token];
    const out = [];
    token.text.split('.').forEach((part, n) => {
        if (n > 0)
            out.push(DOT);
        out.push({ kind: 'ident', text: part, quoted: true });
    });
    return out;
}
/** A string literal: `''` escapes a quote; in E'...' strings a backslash does too. */
function readString(c, backslash) {
    c.i += 1;
    while (c.i < c.sql.length) {
        const ch = c.sql[c.i];
        if (backslash && ch === '\\')
            c.i += 2;
        else if (ch === "'" && c.sql[c.i + 1] === "'")
            c.i += 2;
        else if (ch === "'")
            return advance(c, 1, OTHER);
        else
            c.i += 1;
    }
    return [OTHER];
}
/** PostgreSQL/Snowflake dollar quoting: $$...$$ or $tag$...$tag$. */
function readDollarString(c) {
    const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(c.sql.slice(c.i, c.i + 64));
    if (!m)
        return null;
    const tag = m[0];
    const end = c.sql.indexOf(tag, c.i + tag.length);
    c.i = end < 0 ? c.sql.length : end + tag.length;
    return [OTHER];
}
/** An unquoted word; `E'...'` starts an escape string rather than an identifier. */
function readWord(c) {
    const start = c.i;
    while (c.i < c.sql.length && WORD.test(c.sql[c.i]))
        c.i++;
    const text = c.sql.slice(start, c.i);
    if ((text === 'E' || text === 'e') && c.sql[c.i] === "'")
        return readString(c, true);
    return [{ kind: 'ident', text, quoted: false }];
}

/**
 * Finding a relation name (as dbt writes it in `relation_name`) in rendered SQL, whatever the
 * adapter's quoting: "a"."b"."c", `a`.`b`.`c`, [a].[b].[c], a.b.c, two-part names.
 */
/** Lexes SQL for repeated searches. */
function scanSql(sql) {
    return { tokens: tokenizeSql(sql) };
}
/**
 * Parses a relation name into its parts; null when it is not a dotted chain of identifiers
 * (e.g. empty, or holding a literal or an operator).
 */
function parseRelationName(name) {
    const tokens = tokenizeSql(name);
    if (tokens.length === 0 || tokens.length % 2 === 0)
        return null;
    const parts = [];
    for (let n = 0; n < tokens.length; n++) {
        const t = tokens[n];
        if (n % 2 === 1 ? t.kind !== 'dot' : t.kind !== 'ident')
            return null;
        if (t.kind === 'ident')
            parts.push({ text: t.text, quoted: t.quoted });
    }
    return parts;
}
/**
 * Whether two identifiers denote the same name: exact when both are quoted, case-insensitive
 * when either is unquoted (unquoted identifiers fold case, up or down depending on the engine).
 */
function samePart(a, b) {
    if (a.quoted && b.quoted)
        return a.text === b.text;
    return a.text.toLowerCase() === b.text.toLowerCase();
}
/** Whether two parsed relation names denote the same relation under `samePart`. */
function sameRelation(a, b) {
    return a.length === b.length && a.every((part, n) => samePart(part, b[n]));
}
/**
 * Whether the SQL contains the relation as a whole qualified name: the same parts in order,
 * joined by dots, and not itself part of a longer dotted chain (so `prod.orders` is not found
 * in `x.prod.orders`, nor `"prod"."orders"` in `"prod"."orders_archive"`).
 */
function containsRelation(sql, parts) {
    const t = sql.tokens;
    const span = parts.length * 2 - 1;
    for (let i = 0; i + span <= t.length; i++) {
        if (!isChainStart(t, i) || !isChainEnd(t, i + span - 1))
            continue;
        if (matchesAt(t, i, parts))
            return true;
    }
    return false;
}
function isIdent(t) {
    return t?.kind === 'ident';
}
function isChainStart(t, i) {
    return !(t[i - 1]?.kind === 'dot' && isIdent(t[i - 2]));
}
/** The chain goes on when a dot is followed by another identifier (`rel.*` still ends at rel). */
function isChainEnd(t, last) {
    return !(t[last + 1]?.kind === 'dot' && isIdent(t[last + 2]));
}
function matchesAt(t, i, parts) {
    return parts.every((part, n) => {
        const token = t[i + n * 2];
        if (!isIdent(token) || !samePart(token, part))
            return false;
        return n === parts.length - 1 || t[i + n * 2 + 1].kind === 'dot';
    });
}
/** Whether the SQL names the CTE an ephemeral model with this identifier compiles into. */
function containsCte(sql, identifier) {
    const cte = { text: `__dbt__cte__${identifier}`, quoted: false };
    return sql.tokens.some((t) => isIdent(t) && samePart(t, cte));
}

/** Looks a unique_id up among the nodes and sources of a manifest. */
function lookupNode(manifest, id) {
    if (!manifest)
        return undefined;
    return own(manifest.nodes, id) ?? own(manifest.sources, id);
}
/**
 * The entry of a manifest section, never an inherited property: an id such as `constructor`
 * or `__proto__` names a node only when the manifest has one of that name.
 */
function own(section, id) {
    return section !== undefined && section !== null && Object.hasOwn(section, id) ? section[id] : undefined;
}
/** A node's display name: `name`, or `name.v2` for a versioned model. */
function displayName(node, id) {
    if (!node)
        return id.split('.').slice(2).join('.') || id;
    const version = node.version;
    return version === undefined || version === null ? node.name : `${node.name}.v${version}`;
}
/**
 * Resolves one parent against the scanned SQL of its consumer. `expanded` holds the ephemeral
 * models whose refs are already listed for this consumer: one compiled SQL resolves a parent the
 * same way on every path to it, so an ephemeral reached again (a diamond of ephemerals) is listed
 * without its refs, and the analysis stays linear in nodes and edges instead of doubling per layer.
 */
function resolveParent(ctx, sql, id, seen = new Set(), expanded = new Set()) {
    const node = lookupNode(ctx.manifest, id);
    if (!node)
        return unknownRef(ctx, id, undefined, 'missing-parent', `${id} is not in the current manifest`);
    if (node.resource_type === 'source')
        return resolveSource(ctx, sql, node);
    if (node.config?.materialized === 'ephemeral')
        return resolveEphemeral(ctx, sql, node, seen, expanded);
    return resolveRelation(ctx, sql, node);
}
/** A parent of a node that has no compiled SQL: nothing can be said. */
function notCompiledRef(ctx, id, why, reason = 'not-compiled') {
    return unknownRef(ctx, id, lookupNode(ctx.manifest, id), reason, why);
}
function baseRef(ctx, id, node) {
    return {
        uniqueId: id,
        name: displayName(node, id),
        resourceType: node?.resource_type ?? 'unknown',
        relation: null,
        devRelation: node?.relation_name ?? null,
        stateRelation: lookupNode(ctx.baseline, id)?.relation_name ?? null,
        children: []
    };
}
/** An unknown ref: the reason, and the evidence sentence that explains it. */
function unknownRef(ctx, id, node, reason, evidence) {
    return { ...baseRef(ctx, id, node), classification: 'unknown', reason, evidence };
}
function knownRef(ctx, node, classification, relation, evidence) {
    return { ...baseRef(ctx, node.unique_id, node), classification, relation, evidence, reason: null };
}
/** Sources are never deferred: say so, and whether their relation shows in the SQL. */
function resolveSource(ctx, sql, node) {
    const rel = node.relation_name ?? null;
    const parts = rel ? parseRelationName(rel) : null;
    if (rel && parts && containsRelation(sql, parts)) {
        return knownRef(ctx, node, 'source', rel, `source (never deferred): the compiled SQL reads ${rel}`);
    }
    const what = rel ? `its relation ${rel} does not appear in the compiled SQL` : 'it has no relation name';
    return knownRef(ctx, node, 'source', null, `source (never deferred); ${what}`);
}
/** Ephemeral parents are inlined as CTEs; their own parents are read by the same SQL. */
function resolveEphemeral(ctx, sql, node, seen, expanded) {
    const cte = `__dbt__cte__${node.alias ?? node.name}`;
    if (!containsCte(sql, node.alias ?? node.name)) {
        return unknownRef(ctx, node.unique_id, node, 'none-found', `ephemeral model, but its CTE ${cte} does not appear in the compiled SQL`);
    }
    if (expanded.has(node.unique_id)) {
        return knownRef(ctx, node, 'inlined', null, `ephemeral model, inlined as the CTE ${cte}; its refs are listed where it first appears`);
    }
    expanded.add(node.unique_id);
    const inner = new Set(seen).add(node.unique_id);
    const parents = unique$1(node.depends_on?.nodes ?? []).filter((p) => !inner.has(p));
    const children = parents.map((p) => resolveParent(ctx, sql, p, inner, expanded));
    return { ...knownRef(ctx, node, 'inlined', null, `ephemeral model, inlined as the CTE ${cte}`), children };
}
/** A parent with a relation: compare its CI and baseline relation names with the SQL. */
function resolveRelation(ctx, sql, node) {
    const dev = node.relation_name ?? null;
    const state = lookupNode(ctx.baseline, node.unique_id)?.relation_name ?? null;
    const unknown = (reason, evidence) => unknownRef(ctx, node.unique_id, node, reason, evidence);
    if (!dev)
        return unknown('no-relation', `${node.name} has no relation name in the current manifest`);
    const devParts = parseRelationName(dev);
    const stateParts = state === null ? null : parseRelationName(state);
    if (!devParts)
        return unknown('unparseable-relation', `cannot parse the CI relation name ${dev}`);
    if (state !== null && !stateParts)
        return unknown('unparseable-relation', `cannot parse the baseline relation name ${state}`);
    const devFound = containsRelation(sql, devParts);
    if (stateParts && sameRelation(devParts, stateParts))
        return resolveIdentical(ctx, node, dev, devFound);
    const stateFound = stateParts ? containsRelation(sql, stateParts) : false;
    return decide(ctx, node, { dev, state, devFound, stateFound });
}
function decide(ctx, node, f) {
    const env = ctx.deferredEnv;
    const unknown = (reason, evidence) => unknownRef(ctx, node.unique_id, node, reason, evidence);
    if (f.devFound && f.stateFound)
        return unknown('both-found', `the compiled SQL reads both ${f.dev} (CI) and ${f.state} (baseline)`);
    if (f.devFound)
        return devOrThisRun(ctx, node, f);
    if (f.stateFound && env) {
        const evidence = `the compiled SQL reads ${f.state}, the ${env} relation; the CI relation ${f.dev} does not appear`;
        return knownRef(ctx, node, env, f.state, evidence);
    }
    if (f.stateFound) {
        return unknown('no-deferred-env', `the compiled SQL reads the baseline relation ${f.state}, but which environment it belongs to was not given`);
    }
    const missing = f.state
        ? `neither ${f.dev} (CI) nor ${f.state} (baseline) appears`
        : `${f.dev} (CI) does not appear, and the baseline has no such node`;
    return unknown('none-found', `${missing} in the compiled SQL`);
}
function devOrThisRun(ctx, node, f) {
    if (ctx.builtThisRun.has(node.unique_id)) {
        return knownRef(ctx, node, 'this-run', f.dev, `the compiled SQL reads ${f.dev}, which this run built`);
    }
    const other = f.state ? `the baseline relation ${f.state} does not appear` : 'the baseline has no such node, so it could not be deferred';
    return knownRef(ctx, node, 'dev', f.dev, `the compiled SQL reads the CI relation ${f.dev}, not built by this run; ${other}`);
}
/**
 * Same name in both manifests: the SQL cannot tell the environments apart. It can still be
 * certain when this run built the relation, or when defer was off (nothing could be deferred).
 */
function resolveIdentical(ctx, node, rel, found) {
    const unknown = (reason, evidence) => unknownRef(ctx, node.unique_id, node, reason, evidence);
    if (!found)
        return unknown('none-found', `${rel} (the same name in CI and baseline) does not appear in the compiled SQL`);
    if (ctx.builtThisRun.has(node.unique_id)) {
        return knownRef(ctx, node, 'this-run', rel, `the compiled SQL reads ${rel}, which this run built`);
    }
    if (ctx.deferOff) {
        return knownRef(ctx, node, 'dev', rel, `the compiled SQL reads ${rel}; defer was off, so no ref could resolve elsewhere`);
    }
    return unknown('identical-names', `the compiled SQL reads ${rel}, the relation name in both CI and the baseline: the SQL cannot tell them apart`);
}
/** Keeps the first occurrence of each id. */
function unique$1(ids) {
    return [...new Set(ids)];
}

const TEST_TYPES = new Set(['test', 'unit_test']);
const BUILT_TYPES = new Set(['model', 'seed', 'snapshot']);
const BUILT_STATUSES = new Set(['success', 'partial success']);
/** Commands whose "success" does not mean a relation was created. */
const NON_BUILDING = new Set(['compile', 'show', 'test', 'list', 'ls', 'parse', 'docs', 'source', 'run-operation']);
/**
 * Analyses every result of run_results.json: which environment each ref of each node read.
 * Pure: the artifacts in, one NodeResolution per result out (in run_results order).
 */
function analyzeRun(input) {
    const ctx = contextOf(input);
    return input.runResults.results.map((r) => analyzeResult(ctx, r, input.sqlFiles));
}
function contextOf(input) {
    const args = input.runResults.args ?? {};
    return {
        manifest: input.manifest,
        baseline: input.baseline,
        deferredEnv: input.deferredEnv,
        deferOff: args.defer === false,
        builtThisRun: builtIds(input)
    };
}
/** Nodes this invocation created: models, seeds and snapshots that succeeded in a building command. */
function builtIds(input) {
    const which = input.runResults.args?.which;
    if (typeof which === 'string' && NON_BUILDING.has(which))
        return new Set();
    const built = input.runResults.results.filter((r) => BUILT_STATUSES.has(r.status) && BUILT_TYPES.has(nodeOf$1(input.manifest, r.unique_id)?.resource_type ?? ''));
    return new Set(built.map((r) => r.unique_id));
}
function nodeOf$1(manifest, id) {
    return own(manifest.nodes, id) ?? own(manifest.unit_tests, id);
}
function analyzeResult(ctx, r, sqlFiles) {
    const node = nodeOf$1(ctx.manifest, r.unique_id);
    const resourceType = node?.resource_type ?? r.unique_id.split('.')[0];
    // A node reused from state did not run: any SQL file of it is not this run's.
    const sql = r.status === 'reused' ? undefined : (ownSql(r) ?? sqlFiles?.get(r.unique_id));
    return {
        uniqueId: r.unique_id,
        name: displayName(node, r.unique_id),
        resourceType,
        isTest: TEST_TYPES.has(resourceType),
        status: r.status,
        executionTime: typeof r.execution_time === 'number' ? r.execution_time : null,
        message: r.message ?? null,
        failures: typeof r.failures === 'number' ? r.failures : null,
        relation: r.relation_name ?? node?.relation_name ?? null,
        file: node?.original_file_path ?? null,
        compiled: sql !== undefined,
        sqlFrom: sql?.from ?? null,
        refs: resourceType === 'unit_test' ? [] : refsOf(ctx, r, sql, unique$1(node?.depends_on?.nodes ?? []))
    };
}
/** Why a result without SQL says nothing of its refs. */
function noSqlReason(r) {
    if (r.status === 'reused') {
        return {
            reason: 'reused',
            why: 'dbt reused the node from state without running it, so there is no SQL of this run to read; its refs are not analysed'
        };
    }
    if (r.status === 'skipped')
        return { reason: 'not-compiled', why: 'the node was skipped, so dbt compiled no SQL that shows where this ref resolved' };
    return {
        reason: 'not-compiled',
        why: `the node has no compiled SQL (status ${r.status}), neither in run_results.json nor in the files dbt wrote: it failed before compiling`
    };
}
/** Unit tests read fixtures, not relations, so they get no refs. */
function refsOf(ctx, r, sql, parents) {
    if (!sql) {
        const { reason, why } = noSqlReason(r);
        return parents.map((p) => notCompiledRef(ctx, p, why, reason));
    }
    const scanned = scanSql(sql.code);
    const expanded = new Set();
    return parents.map((p) => resolveParent(ctx, scanned, p, new Set(), expanded));
}

/**
 * Markdown helpers that make text from the project or from dbt (names, messages, SQL, relation
 * names) inert in a GitHub comment: it cannot break a table, close a tag, inject HTML, links
 * or images, start a code span, or notify anyone with an @mention.
 *
 * Escaping uses HTML character references rather than backslashes because the same text lands
 * both in markdown (table cells, list items) and inside raw HTML blocks (`<summary>`, `<pre>`),
 * where backslashes would show but character references decode.
 */
/** Zero-width joiner: breaks @mentions, #references and autolinks without a visible change. */
const ZWJ = '\u200D';
const INLINE_ENTITIES = {
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '"': '&quot;',
    "'": '&#39;',
    '`': '&#96;',
    '*': '&#42;',
    _: '&#95;',
    '~': '&#126;',
    '[': '&#91;',
    ']': '&#93;',
    '(': '&#40;',
    ')': '&#41;',
    '|': '&#124;',
    '\\': '&#92;',
    '!': '&#33;',
    '#': '&#35;',
    $: '&#36;'
};
/** Cuts text to at most `max` characters (code points), ending with an ellipsis when cut. */
function truncate(text, max) {
    const chars = Array.from(text);
    if (chars.length <= max)
        return text;
    return chars.slice(0, Math.max(0, max - 1)).join('') + '…';
}
/** Breaks GitHub's @mentions, cross references (#123) and autolinks (http://, www.). */
function neutralize(text) {
    return text
        .replace(/@/g, `@${ZWJ}`)
        .replace(/#(?=\d)/g, `#${ZWJ}`)
        .replace(/:\/\//g, `:${ZWJ}//`)
        .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWJ}.`);
}
/**
 * Escapes text for one line of markdown or HTML (a table cell, a list item, a `<summary>`):
 * line breaks become spaces, markdown and HTML syntax become character references.
 * An underscore inside a word is left alone (it cannot start emphasis there).
 */
function escapeInline(text, max = 300) {
    // Control characters are exactly what this strips.
    // eslint-disable-next-line no-control-regex
    const flat = truncate(text.replace(/[\r\n\t\v\f\u2028\u2029]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, ''), max);
    const escaped = neutralize(flat).replace(/[&<>"'`*_~[\]()|\\!#$]/g, (c, offset, all) => c === '_' && isWordChar(all[offset - 1]) && isWordChar(all[offset + 1]) ? c : INLINE_ENTITIES[c]);
    return escaped;
}
function isWordChar(c) {
    return c !== undefined && /[\p{L}\p{N}]/u.test(c);
}
/**
 * Escapes multi-line text for a `<pre>` block: line breaks kept, HTML neutralised (so the block
 * cannot be closed from inside). Markdown is not interpreted inside `<pre>`; backticks, brackets
 * and pipes are encoded anyway, so no renderer could read a link, code span or table there.
 */
function escapeBlock(text, max = 3000) {
    // eslint-disable-next-line no-control-regex
    const clean = truncate(text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ''), max);
    return neutralize(clean).replace(/[&<>`[\]|]/g, (c) => INLINE_ENTITIES[c]);
}
/** Project text as code: `<code>` with escaped content (backticks cannot end it). */
function code(text, max = 300) {
    return `<code>${escapeInline(text, max)}</code>`;
}
/** Project text in bold. */
function bold(text, max = 300) {
    return `<b>${escapeInline(text, max)}</b>`;
}
/** Only http(s) URLs are linked; anything else (javascript:, data:) is not. */
function isSafeUrl(url) {
    return typeof url === 'string' && /^https?:\/\/[^\s"'<>`]+$/i.test(url);
}
/** A link around already-escaped HTML, or the HTML alone when the URL is not http(s). */
function link(html, url) {
    if (!isSafeUrl(url))
        return html;
    return `<a href="${url.replace(/&/g, '&amp;')}">${html}</a>`;
}
/** A multi-line message as a `<pre>` block (blank lines around it keep markdown intact). */
function preBlock(text, max = 3000) {
    return `<pre>${escapeBlock(text, max)}</pre>`;
}
/** One markdown table, every cell already escaped. */
function table(header, rows) {
    const line = (cells) => `| ${cells.join(' | ')} |`;
    return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
/** The size GitHub's limit is checked against: UTF-8 bytes, never fewer than characters. */
function sizeOf(text) {
    return Buffer.byteLength(text, 'utf8');
}

const FAILED = new Set(['error', 'fail', 'runtime error']);
const WARNED = new Set(['warn', 'partial success']);
const PASSED = new Set(['success', 'pass']);
/** Groups dbt's statuses into outcomes. */
function outcomeOf(status) {
    if (FAILED.has(status))
        return 'failed';
    if (WARNED.has(status))
        return 'warned';
    if (PASSED.has(status))
        return 'passed';
    if (status === 'skipped')
        return 'skipped';
    // dbt Fusion's: the node's relation from state was kept and nothing ran.
    if (status === 'reused')
        return 'reused';
    return 'other';
}
const OUTCOME_EMOJI = { failed: '❌', warned: '⚠️', passed: '✅', skipped: '⏭️', reused: '♻️', other: '➖' };
/** The emoji of a status. */
function statusEmoji(status) {
    return OUTCOME_EMOJI[outcomeOf(status)];
}
/** Order of outcomes in the report: what needs attention first. */
function outcomeRank(status) {
    return ['failed', 'warned', 'skipped', 'other', 'reused', 'passed'].indexOf(outcomeOf(status));
}
/** Classification labels, in legend order. */
const CLASSIFICATIONS = [
    { key: 'this-run', emoji: '🔨', label: 'this run', meaning: 'built earlier in this run' },
    { key: 'dev', emoji: '🧪', label: 'dev (CI)', meaning: 'the CI schema, not rebuilt by this run' },
    {
        key: 'clone',
        emoji: '🧬',
        label: 'clone (CI)',
        meaning: "the CI schema, holding a dbt clone of the deferred environment's relation made by this run"
    },
    { key: 'staging', emoji: '🚧', label: 'staging', meaning: "deferred to staging's relation" },
    { key: 'production', emoji: '🏭', label: 'production', meaning: "deferred to production's relation" },
    { key: 'source', emoji: '🌱', label: 'source', meaning: 'a dbt source (never deferred)' },
    { key: 'inlined', emoji: '🧩', label: 'inlined', meaning: 'an ephemeral model compiled in as a CTE; its own refs follow' },
    { key: 'unknown', emoji: '❔', label: 'unknown', meaning: 'the compiled SQL does not tell (the evidence says why)' }
];
/** Emoji and label of a classification, e.g. "🏭 production". */
function classificationLabel(c) {
    const entry = CLASSIFICATIONS.find((e) => e.key === c);
    return entry ? `${entry.emoji} ${entry.label}` : c;
}
/** Seconds as "0.41 s", "1 min 5 s", "2 h 3 min". */
function formatDuration(seconds) {
    if (seconds === null || seconds === undefined || !Number.isFinite(seconds))
        return '–';
    if (seconds < 60)
        return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`;
    const s = Math.round(seconds);
    if (s < 3600)
        return `${Math.floor(s / 60)} min ${s % 60} s`;
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
/** An age in words: "3 hours old", "1 day old", "less than a minute old". */
function formatAge(seconds) {
    const units = [
        [86400, 'day'],
        [3600, 'hour'],
        [60, 'minute']
    ];
    for (const [size, unit] of units) {
        const n = Math.floor(seconds / size);
        if (n >= 1)
            return `${n} ${unit}${n === 1 ? '' : 's'} old`;
    }
    return 'less than a minute old';
}
/** Every ref of a node, inlined refs' children included, depth first. */
function flattenRefs(refs) {
    return refs.flatMap((r) => [r, ...flattenRefs(r.children)]);
}
/** Whether a ref (or a ref inlined under it) was deferred to the baseline's environment. */
function isDeferred(r) {
    return r.classification === 'staging' || r.classification === 'production';
}
/** Nodes sorted for reading: failures first, then warnings, skips, the rest; by name within. */
function sortNodes(nodes) {
    return [...nodes].sort((a, b) => outcomeRank(a.status) - outcomeRank(b.status) || cmp(a.name, b.name) || cmp(a.unique_id, b.unique_id));
}
const collator = new Intl.Collator('en', { numeric: true });
/** Natural order (m2 before m10), the same on every machine. */
function cmp(a, b) {
    return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Check annotations for failing nodes: one per failure, on the node's file.
 */
/** GitHub shows at most 10 error annotations per step. */
const MAX_ANNOTATIONS = 10;
/**
 * Annotations for failed nodes (errors and test failures), models before tests, at most
 * `limit`; when some are left out the last one says how many more there are.
 */
function annotationsFor(report, limit = MAX_ANNOTATIONS) {
    const failed = sortNodes(report.nodes.filter((n) => outcomeOf(n.status) === 'failed'));
    const ordered = [...failed.filter((n) => !n.is_test), ...failed.filter((n) => n.is_test)];
    const out = ordered.slice(0, Math.max(0, limit)).map((n) => ({
        message: truncate(n.message?.trim() || `${n.name} ended with status ${n.status}.`, 4000),
        ...(n.file ? { file: repoPath(report.run.project_dir, n.file) } : {}),
        title: truncate(`dbt ${n.resource_type} ${n.name}: ${n.status}`, 200)
    }));
    const more = ordered.length - out.length;
    if (more > 0 && out.length > 0) {
        const last = out[out.length - 1];
        last.message = `${last.message}\n\n(${more} more failures are not annotated; the job summary lists them all.)`;
    }
    return out;
}
/** The file's path from the repository root. */
function repoPath(projectDir, file) {
    const dir = (projectDir ?? '')
        .replace(/\\/g, '/')
        .replace(/^\.\/?/, '')
        .replace(/\/+$/, '');
    return dir ? `${dir}/${file}` : file;
}

/** Assembles report.json: schema version, the run, counts and every node with its refs. */
function buildReport(args) {
    const nodes = args.analysis.map((n) => toReportNode(n, args.run));
    if (args.cloned?.size)
        markClones(nodes, args.cloned, args.run.deferredEnv ?? 'production');
    return {
        schema_version: 4,
        run: toReportRun(args),
        counts: countsOf(nodes),
        nodes,
        data_changes: args.dataChanges ?? null,
        selection: args.selection ?? null
    };
}
function toReportRun({ run, runResults, manifest }) {
    const version = run.dbtVersion ?? runResults.metadata?.dbt_version ?? manifest?.metadata?.dbt_version ?? null;
    return {
        command: run.command,
        select: [...run.select],
        exclude: [...run.exclude],
        selector: run.selector ?? null,
        defer: run.defer,
        favor_state: run.favorState,
        deferred_env: run.deferredEnv,
        built_all: run.builtAll,
        baseline: run.baseline ? toReportBaseline(run.baseline, run.now) : null,
        success: run.success,
        elapsed_seconds: run.elapsed ?? (typeof runResults.elapsed_time === 'number' ? runResults.elapsed_time : null),
        dbt_version: version,
        dbt_engine: parseDbtVersion(version)?.engine ?? null,
        repository: run.repository ?? null,
        server_url: run.serverUrl ?? null,
        head_sha: run.headSha ?? null,
        project_dir: run.projectDir ?? null,
        generated_at: run.now.toISOString()
    };
}
function toReportBaseline(b, now) {
    return {
        source: b.source,
        run_id: b.runId ?? null,
        run_url: b.runUrl ?? null,
        sha: b.sha ?? null,
        generated_at: b.generatedAt ?? null,
        location: b.location ?? null,
        age_seconds: ageSeconds(b.generatedAt, now)
    };
}
/** Whole seconds between a timestamp and now; null when the timestamp is missing or invalid. */
function ageSeconds(timestamp, now) {
    const t = timestamp ? Date.parse(timestamp) : NaN;
    if (Number.isNaN(t))
        return null;
    return Math.max(0, Math.floor((now.getTime() - t) / 1000));
}
function toReportNode(n, run) {
    return {
        unique_id: n.uniqueId,
        name: n.name,
        resource_type: n.resourceType,
        is_test: n.isTest,
        status: n.status,
        execution_time: n.executionTime,
        message: n.message,
        failures: n.failures,
        relation: n.relation,
        file: n.file,
        file_url: n.file ? fileUrl(run, n.file) : null,
        compiled: n.compiled,
        sql_from: n.sqlFrom,
        refs: n.refs.map(toReportRef)
    };
}
function toReportRef(r) {
    return {
        unique_id: r.uniqueId,
        name: r.name,
        resource_type: r.resourceType,
        classification: r.classification,
        relation: r.relation,
        dev_relation: r.devRelation,
        state_relation: r.stateRelation,
        evidence: r.evidence,
        reason: r.reason,
        children: r.children.map(toReportRef)
    };
}
/**
 * Link to a project file at the PR's commit; null unless the server, repository and commit
 * are known and the server URL is http(s).
 */
function fileUrl(run, file) {
    const { serverUrl, repository, headSha } = run;
    if (!serverUrl || !repository || !headSha || !/^https?:\/\//i.test(serverUrl))
        return null;
    if (!/^[\w.-]+\/[\w.-]+$/.test(repository) || !/^[0-9a-f]{7,64}$/i.test(headSha))
        return null;
    const segments = [...splitPath(run.projectDir ?? ''), ...splitPath(file)];
    if (segments.includes('..'))
        return null;
    const path = segments.map(encodeSegment).join('/');
    return `${serverUrl.replace(/\/+$/, '')}/${repository}/blob/${headSha}/${path}`;
}
function splitPath(p) {
    return p.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
}
/** Percent-encodes a path segment, parentheses and quotes included (they end markdown links). */
function encodeSegment(s) {
    return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
/**
 * Counts by status and by classification. Maps, not plain objects: a status is dbt's text, and
 * one such as `__proto__` or `hasOwnProperty` must count as itself, not as Object.prototype's.
 */
/**
 * A ref read from the CI schema whose relation `dbt clone` made in this run is no CI build: it
 * holds the deferred environment's data. Such refs are reported as what they are.
 */
function markClones(nodes, cloned, env) {
    const visit = (refs) => {
        for (const r of refs) {
            if (r.classification === 'dev' && cloned.has(r.unique_id)) {
                r.classification = 'clone';
                r.evidence = `${r.evidence}; the relation is a clone of ${env}'s, made by dbt clone before this build`;
            }
            visit(r.children);
        }
    };
    for (const n of nodes)
        visit(n.refs);
}
function countsOf(nodes) {
    const byStatus = new Map();
    const byClass = new Map();
    const add = (counts, key) => {
        counts.set(key, (counts.get(key) ?? 0) + 1);
    };
    const visit = (refs) => {
        for (const r of refs) {
            add(byClass, r.classification);
            visit(r.children);
        }
    };
    for (const n of nodes) {
        add(byStatus, n.status);
        visit(n.refs);
    }
    return { total: nodes.length, by_status: Object.fromEntries(byStatus), by_classification: Object.fromEntries(byClass) };
}

const COLUMNS_SHOWN = 10;
/** 1,204 */
function count$1(n) {
    return n.toLocaleString('en-US');
}
function plural$1(n, word, many = `${word}s`) {
    return `${count$1(n)} ${n === 1 ? word : many}`;
}
/** The headline: "3 models: 1 column added, 2 rows changed", or ": no changes in the data". */
function dataHeadline(dc) {
    const t = dc.totals;
    const parts = [
        t.columns_added ? `${plural$1(t.columns_added, 'column')} added` : '',
        t.columns_removed ? `${plural$1(t.columns_removed, 'column')} removed` : '',
        t.columns_type_changed ? `${plural$1(t.columns_type_changed, 'column type')} changed` : '',
        t.rows_changed ? `${plural$1(t.rows_changed, 'row')} changed` : '',
        t.row_count_changes ? `row count changed in ${plural$1(t.row_count_changes, 'model')}` : '',
        t.new_models ? `${count$1(t.new_models)} new` : '',
        t.removed_models ? `${count$1(t.removed_models)} removed` : '',
        t.failed ? `${count$1(t.failed)} not compared (warnings)` : ''
    ].filter((p) => p !== '');
    return `${plural$1(t.models, 'model')}: ${parts.length > 0 ? parts.join(', ') : 'no changes in the data'}`;
}
/** The header line of the data changes. */
function dataHeaderLine(dc) {
    return `**Data changes against ${classificationLabel(dc.against)}:** ${dataHeadline(dc)}`;
}
function columnList(columns) {
    const shown = columns.slice(0, COLUMNS_SHOWN).map((c) => `${code(c.name, 120)} ${escapeInline(c.type, 60)}`);
    const more = columns.length > COLUMNS_SHOWN ? `, and ${count$1(columns.length - COLUMNS_SHOWN)} more` : '';
    return `${shown.join(', ')}${more}`;
}
function signed(n) {
    return n > 0 ? `+${count$1(n)}` : n < 0 ? `−${count$1(-n)}` : '0';
}
function rowsPart(m, env) {
    const r = m.rows;
    if (!r || r.deferred === null)
        return '';
    if (r.change === 0)
        return `${plural$1(r.ci, 'row')}`;
    const pct = r.change_pct === null ? '' : `, ${r.change_pct > 0 ? '+' : r.change_pct < 0 ? '−' : ''}${Math.abs(r.change_pct)}%`;
    return `rows ${count$1(r.deferred)} in ${env} → ${count$1(r.ci)} in CI (${signed(r.change ?? 0)}${pct})`;
}
function schemaParts(m) {
    const s = m.schema;
    if (!s)
        return [];
    const total = s.unchanged + s.type_changed.length;
    if (!s.added.length && !s.removed.length && !s.type_changed.length)
        return [`same ${plural$1(total, 'column')}`];
    const parts = [];
    if (s.added.length)
        parts.push(`${plural$1(s.added.length, 'column')} added (${columnList(s.added)})`);
    if (s.removed.length)
        parts.push(`${plural$1(s.removed.length, 'column')} removed (${columnList(s.removed)})`);
    if (s.type_changed.length) {
        const list = s.type_changed.map((c) => `${code(c.name, 120)} ${escapeInline(c.deferred_type, 60)} → ${escapeInline(c.ci_type, 60)}`);
        parts.push(`${plural$1(s.type_changed.length, 'column type')} changed (${list.join(', ')})`);
    }
    return parts;
}
function examples(keys) {
    return keys.length > 0 ? ` (e.g. ${keys.map((k) => code(k, 80)).join(', ')})` : '';
}
const shownValue = (v) => (v === null ? 'null' : code(v, 80));
/** Example changed rows with their differing values: `1`: `first_name` `Michael` → `MICHAEL`. */
function samples(values, env) {
    const one = (s) => `${code(s.key, 80)}: ${s.columns.map((c) => `${code(c.name, 120)} ${shownValue(c.deferred)} in ${env} → ${shownValue(c.ci)}`).join(', ')}`;
    return ` (e.g. ${values.map(one).join('; ')})`;
}
function keyPart(m, env) {
    const d = m.key_diff;
    if (!d)
        return m.key_diff_note ? escapeInline(m.key_diff_note, 300) : '';
    if (!d.only_ci && !d.only_deferred && !d.changed)
        return 'no changed rows';
    const key = code(m.key?.column ?? '', 120);
    const bits = [
        `${count$1(d.only_ci)} only in CI${examples(d.examples.only_ci)}`,
        `${count$1(d.only_deferred)} only in ${env}${examples(d.examples.only_deferred)}`,
        `${count$1(d.changed)} changed${d.value_samples?.length ? samples(d.value_samples, env) : examples(d.examples.changed)}`
    ];
    return `rows by ${key}: ${bits.join(', ')}`;
}
/** One list item about one model. */
function modelLine(m, env) {
    const name = bold(m.name, 200);
    if (m.status === 'failed')
        return `- ⚠️ ${name}: not compared: ${escapeInline(m.error ?? '', 300)}`;
    if (m.status === 'new')
        return `- 🆕 ${name} (new): ${plural$1(m.columns.length, 'column')} (${columnList(m.columns)}), ${plural$1(m.rows?.ci ?? 0, 'row')}`;
    const rows = rowsPart(m, env);
    const parts = [...schemaParts(m), ...(rows ? [rows] : []), keyPart(m, env)].filter((p) => p !== '');
    const note = m.key_diff && m.key_diff_note ? ` (${escapeInline(m.key_diff_note, 300)})` : '';
    return `- ${hasChanges(m) ? '✏️' : '✅'} ${name}: ${parts.join(', ')}${note}`;
}
/** The section's blocks; `changedOnly` keeps the models that changed (and the warnings). */
function dataChangesBlocks(dc, changedOnly) {
    const env = dc.against;
    const shown = changedOnly ? dc.models.filter(hasChanges) : dc.models;
    const blocks = [`### Data changes against ${classificationLabel(env)} (${plural$1(dc.models.length, 'model')})`];
    if (dc.where)
        blocks.push(`<sub>Both sides filtered by ${code(dc.where, 300)} (compare-where).</sub>`);
    const lines = shown.map((m) => modelLine(m, env));
    lines.push(...dc.removed.map((r) => `- 🗑️ ${bold(r.name, 200)}: removed by this PR${r.relation ? ` (${env} has ${code(r.relation, 200)})` : ''}`));
    if (lines.length > 0)
        blocks.push(lines.join('\n'));
    else if (dc.models.length === 0)
        blocks.push('No model, seed or snapshot was built, so there was nothing to compare.');
    if (changedOnly && shown.length < dc.models.length)
        blocks.push(`<sub>${plural$1(dc.models.length - shown.length, 'other model')} unchanged.</sub>`);
    if (dc.not_compared.length > 0) {
        const names = dc.not_compared.map((n) => code(n.name, 120)).join(', ');
        blocks.push(`<sub>Not compared, ${escapeInline(dc.not_compared[0].reason, 200)}: ${names}.</sub>`);
    }
    if (dc.warnings.length > 0)
        blocks.push(['> [!WARNING]', ...dc.warnings.map((w) => `> - ${escapeInline(w, 600)}`)].join('\n'));
    return blocks;
}

/** Resource types of a child that count as "reading" the node. */
const NOT_COUNTED = new Set(['test', 'unit_test']);
/** Name and type of any manifest entry (nodes, exposures, metrics, semantic models, saved queries). */
function describe(manifest, id) {
    for (const section of ['nodes', 'exposures', 'metrics', 'semantic_models', 'saved_queries', 'sources']) {
        const entry = manifest[section]?.[id];
        if (entry)
            return { uniqueId: id, name: entry.name ?? id, resourceType: entry.resource_type ?? section.replace(/s$/, '') };
    }
    return { uniqueId: id, name: id.split('.').pop() ?? id, resourceType: id.split('.')[0] };
}
/** For each built node, its direct children that this run did not build. */
function unbuiltChildren(manifest, built) {
    const ran = new Set(built);
    const result = new Map();
    for (const id of built) {
        const children = (manifest.child_map?.[id] ?? [])
            .filter((child) => !ran.has(child))
            .map((child) => describe(manifest, child))
            .filter((child) => !NOT_COUNTED.has(child.resourceType))
            .sort((a, b) => a.resourceType.localeCompare(b.resourceType) || a.name.localeCompare(b.name));
        result.set(id, children);
    }
    return result;
}
/** Counts by resource type, e.g. { model: 12, exposure: 1 }, over every built node's unbuilt children (each child once). */
function downstreamCounts(children) {
    const seen = new Map();
    for (const list of children.values())
        for (const c of list)
            seen.set(c.uniqueId, c.resourceType);
    const counts = {};
    for (const type of seen.values())
        counts[type] = (counts[type] ?? 0) + 1;
    return counts;
}

/**
 * When the baseline lags the pull request: the deployed commit is not the PR's merge base
 * (production has not deployed what the base branch has, or the base moved on), some nodes are
 * selected only because of that. From git: the baseline commit, the merge base, the files the PR
 * itself changed; mapped to nodes by their files. A shallow checkout is deepened when it lacks a
 * commit, or the report says which `fetch-depth` to set.
 */
/** git in `dir`, with an argv (no shell), through @actions/exec; never prompts, prints nothing. */
function gitIn(dir, env) {
    return {
        async run(args) {
            try {
                const r = await getExecOutput('git', args, {
                    cwd: dir,
                    env: { ...env, GIT_TERMINAL_PROMPT: '0' },
                    silent: true,
                    ignoreReturnCode: true
                });
                return { code: r.exitCode, stdout: r.stdout };
            }
            catch {
                return { code: 127, stdout: '' };
            }
        }
    };
}
async function has(git, sha) {
    return (await git.run(['cat-file', '-e', `${sha}^{commit}`])).code === 0;
}
/** Fetches what a shallow or partial checkout lacks: the history (trees only), then the commits by name. */
async function fetchMissing(git, shas) {
    const shallow = (await git.run(['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true';
    if (shallow)
        await git.run(['fetch', '--no-tags', '--quiet', '--filter=blob:none', '--unshallow', 'origin']);
    const missing = [];
    for (const sha of shas)
        if (!(await has(git, sha)))
            missing.push(sha);
    if (missing.length > 0)
        await git.run(['fetch', '--no-tags', '--quiet', '--filter=blob:none', 'origin', ...missing]);
}
async function lines(git, args) {
    const r = await git.run(args);
    return r.code === 0 ? r.stdout.split('\n').filter((l) => l.trim() !== '') : [];
}
async function count(git, range) {
    const r = await git.run(['rev-list', '--count', range]);
    return r.code === 0 ? Number(r.stdout.trim()) : 0;
}
/** Finds the lag from git, fetching what a shallow checkout lacks. */
async function findLag(git, c) {
    if (!c.baselineSha)
        return { kind: 'unknown', why: "the baseline's commit is not known (its source gives none)" };
    if (!c.baseSha || !c.headSha)
        return { kind: 'unknown', why: 'the run has no pull request base to compare with' };
    if ((await git.run(['rev-parse', '--git-dir'])).code !== 0)
        return { kind: 'unknown', why: 'the workspace is not a git checkout' };
    const needed = [c.baselineSha, c.baseSha, c.headSha];
    if (!(await Promise.all(needed.map((s) => has(git, s)))).every(Boolean))
        await fetchMissing(git, needed);
    for (const sha of needed) {
        if (!(await has(git, sha))) {
            return {
                kind: 'unknown',
                why: `commit ${sha.slice(0, 12)} is not in this checkout and could not be fetched: set \`fetch-depth: 0\` on actions/checkout`
            };
        }
    }
    const base = (await git.run(['merge-base', c.baseSha, c.headSha])).stdout.trim();
    if (!base)
        return { kind: 'unknown', why: 'the pull request has no merge base with its base branch in this checkout (set `fetch-depth: 0`)' };
    const lag = {
        baselineSha: c.baselineSha,
        mergeBase: base,
        headSha: c.headSha,
        behind: await count(git, `${c.baselineSha}..${base}`),
        ahead: await count(git, `${base}..${c.baselineSha}`),
        prFiles: await lines(git, ['diff', '--name-only', '--no-renames', base, c.headSha]),
        sinceBaseline: await lines(git, ['diff', '--name-only', '--no-renames', c.baselineSha, c.headSha]),
        lagFiles: await lines(git, ['diff', '--name-only', '--no-renames', c.baselineSha, base])
    };
    if (c.repository && c.serverUrl)
        lag.compareUrl = `${c.serverUrl}/${c.repository}/compare/${c.baselineSha}...${c.headSha}`;
    return { kind: 'known', lag };
}
/** Keys of a manifest's `metadata.env` (dbt's DBT_ENV_CUSTOM_ENV_ variables, prefix removed) that name the deployed commit. */
const COMMIT_KEYS = ['GIT_SHA', 'GITHUB_SHA', 'GIT_COMMIT', 'COMMIT_SHA', 'CI_COMMIT_SHA'];
/**
 * The commit the baseline was built from: the deploy run's, else one the deploy recorded in the
 * manifest's metadata (`DBT_ENV_CUSTOM_ENV_GIT_SHA` set for its dbt).
 */
function baselineCommit(runSha, manifest) {
    if (runSha)
        return runSha;
    const env = manifest.metadata?.env;
    if (typeof env !== 'object' || env === null)
        return undefined;
    for (const key of COMMIT_KEYS) {
        const value = env[key];
        if (typeof value === 'string' && /^[0-9a-f]{7,40}$/i.test(value.trim()))
            return value.trim();
    }
    return undefined;
}
/** A file path of the manifest (`package://path` for patch paths) relative to the project. */
function projectFile(path) {
    if (!path)
        return undefined;
    const i = path.indexOf('://');
    return i >= 0 ? path.slice(i + 3) : path;
}
function filesOf(node) {
    return [projectFile(node?.original_file_path), projectFile(node?.patch_path)].filter((f) => Boolean(f));
}
/** Repository paths as paths inside the project (files outside it left out). */
function inProject(files, projectPath) {
    const prefix = projectPath === '.' || projectPath === '' ? '' : `${projectPath.replace(/\/+$/, '')}/`;
    return new Set(files.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length)));
}
/**
 * The selected nodes that are there only because the baseline lags: the lag (the commits between
 * the baseline and the merge base) changed their files (or, for macro changes, the macros'
 * files; for config changes, dbt_project.yml), and the PR itself did not; a test counts with the
 * node it tests, a downstream node with the node it comes from.
 */
function lagOnly(whys, current, lag, projectPath) {
    if (lag.behind + lag.ahead === 0)
        return new Set();
    const pr = inProject(lag.prFiles, projectPath);
    const lagged = inProject(lag.lagFiles, projectPath);
    const macros = (current.macros ?? {});
    const byId = new Map(whys.map((w) => [w.uniqueId, w]));
    /** Whether the node's own change is among `files`. */
    const changedIn = (why, files) => {
        const node = current.nodes[why.uniqueId] ?? current.unit_tests?.[why.uniqueId];
        if (filesOf(node).some((f) => files.has(f)))
            return true;
        if (why.parts.includes('configs') && files.has('dbt_project.yml'))
            return true;
        if (why.parts.includes('macros'))
            return (node?.depends_on?.macros ?? []).some((m) => filesOf(macros[m]).some((f) => files.has(f)));
        return false;
    };
    const memo = new Map();
    const origin = (id, depth = 0) => {
        const known = memo.get(id);
        if (known)
            return known;
        const why = byId.get(id);
        let result = 'neither';
        if (why && depth < 50) {
            if (changedIn(why, pr))
                result = 'pr';
            else if (why.parts.length > 0)
                result = changedIn(why, lagged) ? 'lag' : 'neither';
            else if (why.via?.kind === 'tests') {
                const from = why.via.nodes.map((n) => origin(n, depth + 1));
                result = from.includes('pr') ? 'pr' : from.length > 0 && from.every((o) => o === 'lag') ? 'lag' : 'neither';
            }
            else if (why.via?.kind === 'downstream')
                result = origin(why.via.of, depth + 1);
        }
        memo.set(id, result);
        return result;
    };
    return new Set(whys.filter((w) => origin(w.uniqueId) === 'lag').map((w) => w.uniqueId));
}

/** The parts of `state:modified` dbt can be asked for one by one, and `new`. */
const PARTS = ['new', 'body', 'configs', 'relation', 'persisted_descriptions', 'macros', 'contract'];
/** The dbt selector of one part. */
function selectorOf(part) {
    return part === 'new' ? 'state:new' : `state:modified.${part}`;
}
/**
 * The `dbt ls` arguments for one part: only the nodes the part fires for, no tests by indirect
 * selection. The step runner adds the flags that shape the parse (`--vars` among them).
 */
function lsArgs(part, stateDir) {
    return [
        'ls',
        '--quiet',
        '--select',
        selectorOf(part),
        '--state',
        stateDir,
        '--indirect-selection',
        'empty',
        '--output',
        'json',
        '--output-keys',
        'unique_id'
    ];
}
/** The unique_id of a `dbt ls --output json` line, or undefined for any other line. */
function idOfLine(line) {
    const text = line.trim();
    if (!text.startsWith('{') || !text.includes('"unique_id"'))
        return undefined;
    try {
        const parsed = JSON.parse(text);
        return typeof parsed.unique_id === 'string' ? parsed.unique_id : undefined;
    }
    catch {
        return undefined;
    }
}
function nodeOf(manifest, id) {
    return manifest.nodes[id] ?? manifest.unit_tests?.[id];
}
function same(a, b) {
    return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
/** Config keys whose values differ between the two manifests' nodes. */
function differingConfigKeys(current, baseline) {
    const now = current.config ?? {};
    const then = baseline.config ?? {};
    return [...new Set([...Object.keys(now), ...Object.keys(then)])].filter((k) => !same(now[k], then[k])).sort();
}
/** Config keys whose rendered values differ while what the project wrote is the same in both manifests. */
function envAwareKeys(current, baseline) {
    const differing = differingConfigKeys(current, baseline);
    if (differing.length === 0)
        return undefined;
    const unrenderedNow = (current.unrendered_config ?? {});
    const unrenderedThen = (baseline.unrendered_config ?? {});
    return differing.every((k) => k in unrenderedNow && same(unrenderedNow[k], unrenderedThen[k])) ? differing : undefined;
}
/** Macros whose SQL differs between the manifests (or that are new). */
function changedMacros(current, baseline) {
    const now = (current.macros ?? {});
    const then = (baseline.macros ?? {});
    return new Set(Object.keys(now).filter((id) => then[id]?.macro_sql !== now[id]?.macro_sql));
}
/** The changed macros a node calls, directly or through other macros. */
function changedMacrosOf(node, current, changed) {
    const macros = (current.macros ?? {});
    const seen = new Set();
    const found = new Set();
    const stack = [...(node.depends_on?.macros ?? [])];
    while (stack.length > 0) {
        const id = stack.pop();
        if (seen.has(id))
            continue;
        seen.add(id);
        if (changed.has(id))
            found.add(id);
        stack.push(...(macros[id]?.depends_on?.macros ?? []));
    }
    return [...found].sort();
}
function flagsOf(id, parts, current, baseline, changed) {
    const node = nodeOf(current, id);
    const before = nodeOf(baseline, id);
    if (!node)
        return [];
    const flags = [];
    if (parts.length === 1 && parts[0] === 'configs' && before) {
        const keys = envAwareKeys(node, before);
        if (keys)
            flags.push({ kind: 'env-aware-config', keys });
    }
    if (parts.length === 1 && parts[0] === 'macros') {
        const macros = changedMacrosOf(node, current, changed);
        if (macros.length > 0)
            flags.push({ kind: 'macro-only', macros });
    }
    if (node.resource_type === 'seed' && node.checksum?.name === 'path')
        flags.push({ kind: 'seed-by-path' });
    return flags;
}
/** The nearest ancestor (through depends_on) that a part fired for. */
function modifiedAncestor(id, current, direct) {
    const seen = new Set([id]);
    let frontier = [id];
    while (frontier.length > 0) {
        const next = [];
        for (const n of frontier) {
            for (const parent of nodeOf(current, n)?.depends_on?.nodes ?? []) {
                if (seen.has(parent))
                    continue;
                if (direct.has(parent))
                    return parent;
                seen.add(parent);
                next.push(parent);
            }
        }
        frontier = next;
    }
    return undefined;
}
function viaOf(id, current, direct, selected) {
    const node = nodeOf(current, id);
    if (node?.resource_type === 'test' || node?.resource_type === 'unit_test') {
        const tested = (node.depends_on?.nodes ?? []).filter((p) => selected.has(p));
        if (tested.length > 0)
            return { kind: 'tests', nodes: tested };
    }
    const ancestor = modifiedAncestor(id, current, direct);
    return ancestor ? { kind: 'downstream', of: ancestor } : { kind: 'selection' };
}
/** Why each selected node was selected, from dbt's per-part answers and the two manifests. */
function explainSelection(selected, sets, current, baseline) {
    const selectedSet = new Set(selected);
    // dbt counts a new node under every part of state:modified; it is just new.
    const partsOf = (id) => (sets.new.has(id) ? ['new'] : PARTS.filter((p) => sets[p].has(id)));
    const direct = new Set(selected.filter((id) => partsOf(id).length > 0));
    const changed = changedMacros(current, baseline);
    return selected.map((id) => {
        const parts = partsOf(id);
        const why = { uniqueId: id, parts, flags: flagsOf(id, parts, current, baseline, changed) };
        if (parts.length === 0)
            why.via = viaOf(id, current, direct, selectedSet);
        return why;
    });
}
/** Nodes selected only because of each changed macro, for the headline ("41 nodes … macro `x` changed"). */
function macroOnlyCounts(whys) {
    const counts = new Map();
    for (const why of whys) {
        for (const flag of why.flags)
            if (flag.kind === 'macro-only')
                for (const m of flag.macros)
                    counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    return [...counts].map(([macro, nodes]) => ({ macro, nodes })).sort((a, b) => b.nodes - a.nodes || a.macro.localeCompare(b.macro));
}

function lagSection(lag, only) {
    if (lag.kind === 'unknown')
        return { known: false, why: lag.why };
    const l = lag.lag;
    return {
        known: true,
        baseline_sha: l.baselineSha,
        merge_base: l.mergeBase,
        head_sha: l.headSha,
        behind: l.behind,
        ahead: l.ahead,
        compare_url: l.compareUrl ?? null,
        lag_only: [...only].sort()
    };
}
/**
 * Nodes selected for their configs alone whose configs differ only in how they render (a config
 * that depends on the target or the environment, dbt-core#9562): what the project wrote for them
 * did not change since the baseline's commit (see configsWrittenSame in step.ts).
 */
function flagRenderedConfigs(whys, current, baseline, writtenSame) {
    for (const why of whys) {
        if (!writtenSame.has(why.uniqueId) || why.flags.some((f) => f.kind === 'env-aware-config'))
            continue;
        const now = nodeOf(current, why.uniqueId);
        const then = nodeOf(baseline, why.uniqueId);
        const keys = now && then ? differingConfigKeys(now, then) : [];
        if (keys.length > 0)
            why.flags.push({ kind: 'env-aware-config', keys });
    }
}
/** Builds the selection part of the report from dbt's answers, git's lag and the manifests. */
function explainRun(args) {
    const whys = explainSelection(args.selected, args.answer.sets, args.current, args.baseline);
    flagRenderedConfigs(whys, args.current, args.baseline, args.configsWrittenSame ?? new Set());
    const only = args.lag.kind === 'known' ? lagOnly(whys, args.current, args.lag.lag, args.projectPath) : new Set();
    const children = unbuiltChildren(args.current, args.selected);
    const nodes = new Map();
    for (const why of whys) {
        nodes.set(why.uniqueId, {
            why: { parts: why.parts, via: why.via ?? null, flags: why.flags, lag_only: only.has(why.uniqueId) },
            downstream: children.get(why.uniqueId) ?? []
        });
    }
    const byPart = Object.fromEntries(PARTS.map((p) => [p, whys.filter((w) => w.parts.includes(p)).length]));
    return {
        section: {
            asked_with: args.answer.how,
            invocations: args.answer.invocations,
            failed_parts: args.answer.failed,
            by_part: byPart,
            macro_only: macroOnlyCounts(whys),
            lag: lagSection(args.lag, only),
            downstream: downstreamCounts(children),
            nodes: Object.fromEntries([...nodes].map(([id, n]) => [
                id,
                { why: n.why, downstream: n.downstream.map((c) => ({ unique_id: c.uniqueId, name: c.name, resource_type: c.resourceType })) }
            ]))
        },
        nodes
    };
}
const PART_WORDS = {
    new: 'new',
    body: 'body changed',
    configs: 'configs changed',
    relation: 'relation changed',
    persisted_descriptions: 'persisted descriptions changed',
    macros: 'macros changed',
    contract: 'contract changed'
};
function nameOf(id) {
    return id.split('.').slice(2).join('.') || id;
}
/** A node's reason in a few words, e.g. "body changed", "tests customers", "configs changed (env-aware: materialized)". */
function reasonText(why) {
    const parts = why.parts.map((p) => PART_WORDS[p]);
    let text = parts.join(', ');
    if (parts.length === 0 && why.via) {
        if (why.via.kind === 'tests')
            text = `tests ${why.via.nodes.map(nameOf).join(', ')}`;
        else if (why.via.kind === 'downstream')
            text = `downstream of ${nameOf(why.via.of)}`;
        else
            text = 'named by the selection';
    }
    const notes = why.flags.map((f) => {
        if (f.kind === 'env-aware-config')
            return `env-aware: ${f.keys.join(', ')}`;
        if (f.kind === 'macro-only')
            return `only macro ${f.macros.map(nameOf).join(', ')}`;
        return 'seed compared by path only';
    });
    if (notes.length > 0)
        text += ` (${notes.join('; ')})`;
    return why.lag_only ? `${text}; baseline lag only` : text;
}

/** The most nodes drawn in full; above it only the built nodes are drawn. */
const MAX_DRAWN = 60;
/** The most built nodes drawn at all. */
const MAX_BUILT = 120;
/** Mermaid refuses diagrams above 50,000 characters by default; stay well inside. */
const MAX_CHARS = 40_000;
const CLASSES = [
    ['built', 'fill:#dbeafe,stroke:#1d4ed8,stroke-width:2px'],
    ['this_run', 'fill:#dcfce7,stroke:#15803d'],
    ['dev', 'fill:#e0f2fe,stroke:#0369a1'],
    ['clone', 'fill:#e0f2fe,stroke:#0369a1,stroke-dasharray:3 3'],
    ['staging', 'fill:#fef3c7,stroke:#b45309'],
    ['production', 'fill:#fae8ff,stroke:#a21caf'],
    ['source', 'fill:#f1f5f9,stroke:#475569'],
    ['inlined', 'fill:#ffffff,stroke:#94a3b8,stroke-dasharray:2 2'],
    ['unknown', 'fill:#fee2e2,stroke:#b91c1c'],
    ['downstream', 'fill:#ffffff,stroke:#64748b,stroke-dasharray:4 4']
];
/** A label safe inside `["…"]`: Mermaid's entity codes for the characters that would end it. */
function label(text) {
    return text.replace(/[#"<>]/g, (c) => ({ '#': '#35;', '"': '#quot;', '<': '#lt;', '>': '#gt;' })[c]);
}
function classOf(c) {
    return c === 'this-run' ? 'this_run' : c;
}
function idFor(d, uniqueId) {
    const known = d.ids.get(uniqueId);
    if (known)
        return { id: known, fresh: false };
    const id = `n${d.ids.size}`;
    d.ids.set(uniqueId, id);
    return { id, fresh: true };
}
function drawParents(d, ref, childId, built) {
    const { id, fresh } = idFor(d, ref.unique_id);
    if (fresh && !built.has(ref.unique_id))
        d.nodes.push(`  ${id}["${label(ref.name)}"]:::${classOf(ref.classification)}`);
    d.edges.push(`  ${id} --> ${childId}`);
    for (const inner of ref.children)
        drawParents(d, inner, id, built);
}
function draw(nodes, full) {
    const d = { ids: new Map(), nodes: [], edges: [] };
    const built = new Set(nodes.map((n) => n.uniqueId));
    for (const n of nodes) {
        const { id } = idFor(d, n.uniqueId);
        d.nodes.push(`  ${id}["${label(n.name)}<br/><i>${label(n.reason)}</i>"]:::built`);
    }
    for (const n of nodes) {
        const childId = d.ids.get(n.uniqueId);
        for (const ref of n.refs) {
            if (built.has(ref.unique_id))
                d.edges.push(`  ${d.ids.get(ref.unique_id)} --> ${childId}`);
            else if (full)
                drawParents(d, ref, childId, built);
        }
        if (!full)
            continue;
        for (const child of n.downstream) {
            const { id, fresh } = idFor(d, child.uniqueId);
            if (fresh)
                d.nodes.push(`  ${id}["${label(child.name)}<br/><i>${label(child.resourceType)}, not rebuilt</i>"]:::downstream`);
            d.edges.push(`  ${childId} -.-> ${id}`);
        }
    }
    return d;
}
function text(d) {
    const classes = CLASSES.map(([name, style]) => `  classDef ${name} ${style}`);
    return ['flowchart LR', ...d.nodes, ...[...new Set(d.edges)], ...classes].join('\n');
}
function countOthers(nodes) {
    const built = new Set(nodes.map((n) => n.uniqueId));
    const parents = new Set();
    const walk = (r) => {
        if (!built.has(r.unique_id))
            parents.add(r.unique_id);
        r.children.forEach(walk);
    };
    nodes.forEach((n) => n.refs.forEach(walk));
    const downstream = new Set(nodes.flatMap((n) => n.downstream.map((c) => c.uniqueId)));
    return { parents: parents.size, downstream: downstream.size };
}
/** The lineage picture of the built nodes (tests are not drawn). */
function renderLineage(all) {
    const nodes = all.filter((n) => n.resourceType !== 'test' && n.resourceType !== 'unit_test');
    const others = countOthers(nodes);
    const fullDrawing = draw(nodes, true);
    if (fullDrawing.ids.size <= MAX_DRAWN && text(fullDrawing).length <= MAX_CHARS) {
        return { markdown: block(text(fullDrawing)), drawn: fullDrawing.ids.size, omitted: { parents: 0, downstream: 0, built: 0 } };
    }
    let shown = nodes.slice(0, MAX_BUILT);
    let drawing = draw(shown, false);
    while (text(drawing).length > MAX_CHARS && shown.length > 1) {
        shown = shown.slice(0, Math.floor(shown.length / 2));
        drawing = draw(shown, false);
    }
    const omitted = { ...others, built: nodes.length - shown.length };
    const left = [
        omitted.built ? `${omitted.built} built nodes` : '',
        omitted.parents ? `${omitted.parents} parents` : '',
        omitted.downstream ? `${omitted.downstream} downstream nodes` : ''
    ].filter(Boolean);
    const note = `The graph shows ${shown.length} of the ${nodes.length} built nodes and the refs between them; ${left.join(', ')} were left out to keep it readable (every node's refs and downstream are listed below and in report.json).`;
    return { markdown: `${block(text(drawing))}\n${note}\n`, drawn: drawing.ids.size, omitted };
}
function block(graph) {
    return `\`\`\`mermaid\n${graph}\n\`\`\`\n`;
}

/**
 * The "Why this selection" part of the markdown report: the headline (which parts of
 * `state:modified` fired, the false positives, what a lagging baseline added, what lies
 * downstream), the lineage picture, and each built node's reason with its unbuilt children.
 * Pure.
 */
const PART_NAMES = {
    new: 'new',
    body: 'body',
    configs: 'configs',
    relation: 'relation',
    persisted_descriptions: 'persisted descriptions',
    macros: 'macros',
    contract: 'contract'
};
function plural(n, one, many = `${one}s`) {
    return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}
function shortName(id) {
    return id.split('.').slice(2).join('.') || id;
}
/** "12 downstream models and 1 exposure". */
function downstreamWords(counts) {
    const parts = Object.entries(counts)
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .map(([type, n]) => plural(n, type.replace(/_/g, ' ')));
    if (parts.length <= 1)
        return parts.join('');
    return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
function envAwareCount(s) {
    return Object.values(s.nodes).filter((n) => n.why.flags.some((f) => f.kind === 'env-aware-config')).length;
}
/** The headline lines: parts, flags, lag, downstream. */
function selectionHeadline(s, env) {
    const parts = Object.entries(s.by_part).filter(([, n]) => n > 0).map(([p, n]) => `${n} ${PART_NAMES[p]}`);
    const lines = [
        `**Why selected:** ${parts.length > 0 ? parts.join(', ') : 'no node by state:modified itself'} (parts of \`state:modified\` that fired, asked of dbt).`
    ];
    const envAware = envAwareCount(s);
    if (envAware > 0) {
        lines.push(`⚠️ ${plural(envAware, 'node')} selected only for configs that render differently under this target (env-aware configs, dbt-core#9562): likely noise.`);
    }
    for (const m of s.macro_only)
        lines.push(`⚠️ ${plural(m.nodes, 'node')} selected only because macro ${code(shortName(m.macro))} changed.`);
    if (s.lag.known && s.lag.lag_only.length > 0) {
        const behind = s.lag.behind > 0 ? `${plural(s.lag.behind, 'commit')} behind` : '';
        const ahead = s.lag.ahead > 0 ? `${plural(s.lag.ahead, 'commit')} ahead of` : '';
        const where = [behind, ahead].filter(Boolean).join(' and ');
        const compare = isSafeUrl(s.lag.compare_url) ? ` (${link('compare', s.lag.compare_url)})` : '';
        lines.push(`⏳ ${plural(s.lag.lag_only.length, 'node is', 'nodes are')} selected only because the ${env} baseline is ${where} the pull request's merge base${compare}.`);
    }
    else if (!s.lag.known) {
        lines.push(`<sub>Baseline lag not known: ${escapeInline(s.lag.why, 300)}.</sub>`);
    }
    const total = Object.values(s.downstream).reduce((a, b) => a + b, 0);
    if (total > 0)
        lines.push(`↘️ ${downstreamWords(s.downstream)} read the built nodes and were not rebuilt.`);
    if (s.failed_parts.length > 0)
        lines.push(`<sub>dbt could not list ${s.failed_parts.map((p) => code(`state:modified.${p}`)).join(', ')}: those reasons are left out.</sub>`);
    return lines;
}
function lineageNodes(report, s) {
    return report.nodes
        .filter((n) => !n.is_test)
        .map((n) => {
        const sel = s.nodes[n.unique_id];
        return {
            uniqueId: n.unique_id,
            name: n.name,
            resourceType: n.resource_type,
            reason: sel ? reasonText(sel.why) : 'selected',
            refs: n.refs,
            downstream: (sel?.downstream ?? []).map((c) => ({ uniqueId: c.unique_id, name: c.name, resourceType: c.resource_type }))
        };
    });
}
function reasonsTable(report, s) {
    const rows = report.nodes
        .filter((n) => !n.is_test && s.nodes[n.unique_id])
        .map((n) => {
        const sel = s.nodes[n.unique_id];
        const kids = sel.downstream;
        const downstream = kids.length === 0
            ? '—'
            : `<details><summary>${kids.length}</summary>${kids.map((c) => `${escapeInline(c.resource_type, 40)} ${code(c.name, 120)}`).join('<br>')}</details>`;
        return [code(n.name, 120), escapeInline(reasonText(sel.why), 300), downstream];
    });
    return table(['Node', 'Why selected', 'Downstream, not rebuilt'], rows);
}
/** The blocks of the selection part; `full` adds the lineage picture and the reasons table. */
function selectionBlocks(report, level) {
    const s = report.selection;
    if (!s)
        return [];
    const blocks = ['### Why this selection', selectionHeadline(s, report.run.deferred_env ?? 'production').join('\n')];
    if (level === 'essentials')
        return blocks;
    blocks.push(renderLineage(lineageNodes(report, s)).markdown.trimEnd());
    blocks.push('<sub>Built nodes in blue with the reason they were selected; parents coloured by where the ref resolved (green this run, light blue CI, amber staging, violet production, grey source); dashed: read the built node and not rebuilt.</sub>');
    if (level === 'full')
        blocks.push(reasonsTable(report, s));
    return blocks;
}

/**
 * The top of the report: what ran, where it deferred, the baseline, counts and duration.
 */
/** The title line: command and overall outcome. */
function title(report) {
    const cmd = escapeInline(report.run.command, 40);
    return report.run.success ? `### ✅ dbt ${cmd} passed` : `### ❌ dbt ${cmd} failed`;
}
/** The command line as run, with its selection flags. */
function commandLine(report) {
    const r = report.run;
    const words = ['dbt', r.command];
    if (r.select.length > 0)
        words.push('--select', ...r.select);
    if (r.exclude.length > 0)
        words.push('--exclude', ...r.exclude);
    if (r.selector)
        words.push('--selector', r.selector);
    if (r.defer)
        words.push('--defer');
    if (r.favor_state)
        words.push('--favor-state');
    return code(words.join(' '), 500);
}
/** Where refs could be deferred to, said loudly when nothing was. */
function deferLine(report) {
    const r = report.run;
    if (r.built_all)
        return '**Deferred to:** nothing: no baseline was found, so everything was built';
    if (!r.defer)
        return '**Deferred to:** nothing (no defer)';
    if (!r.deferred_env)
        return '**Deferred to:** unknown environment';
    return `**Deferred to:** ${classificationLabel(r.deferred_env)}${r.favor_state ? ' (favor state)' : ''}`;
}
/** The baseline: source, deploy run link, commit, age, location. */
function baselineLine(report) {
    const b = report.run.baseline;
    if (!b)
        return null;
    const bits = [escapeInline(b.source, 40)];
    if (b.run_id || isSafeUrl(b.run_url))
        bits.push(link(`run ${escapeInline(b.run_id ?? 'link', 40)}`, b.run_url));
    if (b.sha)
        bits.push(`commit ${code(b.sha.slice(0, 7), 7)}`);
    if (b.age_seconds !== null)
        bits.push(formatAge(b.age_seconds));
    if (b.location)
        bits.push(escapeInline(b.location, 200));
    return `**Baseline:** ${bits.join(' · ')}`;
}
/** Counts by status, e.g. "✅ 3 success · ❌ 1 error · ⏭️ 2 skipped". */
function countsLine(report) {
    const entries = Object.entries(report.counts.by_status).sort(([a], [b]) => outcomeRank(a) - outcomeRank(b) || cmp(a, b));
    const counts = entries.map(([status, n]) => `${statusEmoji(status)} ${n} ${escapeInline(status, 40)}`).join(' · ');
    const total = report.counts.total;
    return `**Results:** ${total} ${total === 1 ? 'node' : 'nodes'}${counts ? `: ${counts}` : ''}`;
}
/** Duration and dbt version. */
function durationLine(report) {
    const parsed = parseDbtVersion(report.run.dbt_version);
    const named = parsed ? engineLabel(parsed) : report.run.dbt_version ? `dbt ${report.run.dbt_version}` : '';
    const version = named ? ` · ${escapeInline(named, 60)}` : '';
    return `**Duration:** ${formatDuration(report.run.elapsed_seconds)}${version}`;
}
/** GitHub alerts for runs that did not defer: they must not pass unnoticed. */
function notice(report) {
    const r = report.run;
    if (r.built_all) {
        return [
            '> [!WARNING]',
            '> **No baseline found: built everything.** No deployed manifest was found to defer to, so this run built',
            '> without defer: every ref read this run or the CI schema, and nothing was compared with a deployed environment.'
        ].join('\n');
    }
    if (!r.defer) {
        return '> [!NOTE]\n> **No defer:** dbt ran with `--no-defer`, so every ref read the CI schema (or this run).';
    }
    return null;
}
/** Downstream and lag counts of the selection, when dbt was asked and there is something to say. */
function selectionHeaderLine(report) {
    const s = report.selection;
    if (!s)
        return null;
    const parts = [];
    const downstream = Object.values(s.downstream).reduce((a, b) => a + b, 0);
    if (downstream > 0)
        parts.push(`${downstreamWords(s.downstream)} downstream, not rebuilt`);
    if (s.lag.known && s.lag.lag_only.length > 0)
        parts.push(`${s.lag.lag_only.length} selected only because the baseline lags`);
    return parts.length > 0 ? `- **Selection:** ${parts.join(' · ')}` : null;
}
/**
 * Where the SQL the refs were read from came from, when not all of it was run_results.json's
 * `compiled_code` (dbt Fusion leaves it out): the evidence is then the files dbt wrote.
 */
function evidenceLine(report) {
    const from = new Map();
    for (const n of report.nodes)
        if (n.sql_from && n.sql_from !== 'run_results')
            from.set(n.sql_from, (from.get(n.sql_from) ?? 0) + 1);
    if (from.size === 0)
        return null;
    const files = [...from].map(([dir, n]) => `${code(dir, 20)} for ${n} ${n === 1 ? 'node' : 'nodes'}`).join(', ');
    return `**Evidence:** run_results.json holds no compiled SQL, so the refs were read from the SQL files dbt wrote: ${files}`;
}
/** The whole header block. */
function header(report) {
    const lines = [
        `- **Ran:** ${commandLine(report)}`,
        `- ${deferLine(report)}`,
        baselineLine(report),
        `- ${countsLine(report)}`,
        report.data_changes ? `- ${dataHeaderLine(report.data_changes)}` : null,
        selectionHeaderLine(report),
        evidenceLine(report),
        `- ${durationLine(report)}`
    ].map((l) => (l && !l.startsWith('- ') ? `- ${l}` : l));
    const blocks = [title(report), lines.filter((l) => l !== null).join('\n')];
    const n = notice(report);
    if (n)
        blocks.push(n);
    return blocks.join('\n\n');
}
/** The legend of the classifications. */
function legend() {
    const items = CLASSIFICATIONS.map((c) => `${c.emoji} ${c.label}: ${c.meaning}`).join(' · ');
    return `<sub>Where refs resolved: ${items}.</sub>`;
}

/**
 * Markdown of one node (or one line about it) at each level of detail. Every string from the
 * project or dbt goes through markdown.ts.
 */
/** Message lengths (characters) by level of detail. */
const MESSAGE_MAX = { full: 3000, compact: 500, essentials: 300, test: 200 };
/** "❌ error" */
function statusLabel(status) {
    return `${statusEmoji(status)} ${escapeInline(status, 40)}`;
}
/** The node's name in bold, linked to its file at the PR's commit when known. */
function nodeName(node) {
    return link(bold(node.name), node.file_url);
}
/** Refs with their resolution, inline: `a` → 🏭 production · `b` → 🧩 inlined (`c` → 🏭 production). */
function refsInline(refs) {
    if (refs.length === 0)
        return 'none';
    return refs.map(refInline).join(' · ');
}
function refInline(r) {
    const own = `${code(r.name, 120)} → ${classificationLabel(r.classification)}`;
    return r.children.length === 0 ? own : `${own} (${r.children.map(refInline).join(', ')})`;
}
/** Refs grouped by classification: 🏭 production: `a`, `b` · 🔨 this run: `c`. */
function refsGrouped(refs, filter = () => true) {
    const flat = flattenRefs(refs).filter(filter);
    if (flat.length === 0)
        return 'none';
    return CLASSIFICATIONS.map(({ key }) => {
        const names = unique(flat.filter((r) => r.classification === key).map((r) => r.name));
        return names.length === 0 ? '' : `${classificationLabel(key)}: ${names.map((n) => code(n, 120)).join(', ')}`;
    })
        .filter((s) => s !== '')
        .join(' · ');
}
function unique(xs) {
    return [...new Set(xs)];
}
/** Table of every ref (children of inlined refs indented) with relation names and evidence. */
function relationTable(refs, report) {
    const env = report.run.deferred_env ?? 'baseline';
    const rows = refs.flatMap((r) => relationRows(r, ''));
    return table(['Ref', 'Resolved to', 'Relation read', 'CI relation', `${env} relation`, 'Evidence'], rows);
}
function relationRows(r, via) {
    const name = via ? `↳ ${code(r.name, 120)} (via ${via})` : code(r.name, 120);
    const rel = (s) => (s ? code(s, 200) : '–');
    const row = [
        name,
        classificationLabel(r.classification),
        rel(r.relation),
        rel(r.dev_relation),
        rel(r.state_relation),
        escapeInline(r.evidence, 300)
    ];
    return [row, ...r.children.flatMap((c) => relationRows(c, code(r.name, 120)))];
}
/** Full detail: heading, refs, relation names on expand, the failure message. */
function nodeFull(node, report) {
    const parts = [
        `#### ${statusLabel(node.status)} · ${nodeName(node)}`,
        `${escapeInline(node.resource_type, 40)} · ${formatDuration(node.execution_time)}${fileNote(node)}`,
        `Refs: ${refsInline(node.refs)}`
    ];
    if (node.refs.length > 0) {
        parts.push(`<details><summary>Relations read</summary>\n\n${relationTable(node.refs, report)}\n\n</details>`);
    }
    if (node.message && outcomeOf(node.status) !== 'passed')
        parts.push(preBlock(node.message, MESSAGE_MAX.full));
    return parts.join('\n\n');
}
function fileNote(node) {
    if (!node.file)
        return '';
    return ` · ${link(code(node.file, 200), node.file_url)}`;
}
/** One table row: status, node, type, time, refs grouped by resolution. */
function nodeRow(node) {
    return [
        statusLabel(node.status),
        nodeName(node),
        escapeInline(node.resource_type, 40),
        formatDuration(node.execution_time),
        refsGrouped(node.refs)
    ];
}
/** One list item about a failure (or warning), with its message cut to `max`. */
function failureItem(node, max) {
    const head = `- ${statusLabel(node.status)} · ${nodeName(node)} (${escapeInline(node.resource_type, 40)})`;
    return node.message && max > 0 ? `${head}: ${escapeInline(node.message, max)}` : head;
}
/** One list item naming a node's deferred refs; null when it has none. */
function deferredItem(node) {
    if (!flattenRefs(node.refs).some(isDeferred))
        return null;
    return `- ${nodeName(node)} (${escapeInline(node.resource_type, 40)}): ${refsGrouped(node.refs, isDeferred)}`;
}
/** One table row of a test: status, name, refs, time, message. */
function testRow(node, messageMax) {
    const message = node.message && outcomeOf(node.status) !== 'passed' ? escapeInline(node.message, messageMax) : '';
    return [statusLabel(node.status), nodeName(node), refsGrouped(node.refs), formatDuration(node.execution_time), message];
}

/**
 * Renders the report as markdown within a size budget. Levels of detail, tried in order until
 * one fits: full (every ref with relation names on expand) → compact (one line per node) →
 * essentials (failures and deferred refs only) → truncated (as many essential lines as fit,
 * failures first, then a pointer to the full report). Blocks are only ever dropped whole, so
 * the output never ends inside a tag or a table.
 */
const LEVELS = ['full', 'compact', 'essentials'];
/** Renders the report as markdown no larger than `opts.maxChars`, as detailed as fits. */
function renderMarkdown(report, opts) {
    return renderWithLevel(report, opts).markdown;
}
/** Like renderMarkdown, also saying which level of detail fitted. */
function renderWithLevel(report, opts) {
    const parts = partsOf(report);
    for (const level of LEVELS) {
        const md = assemble(blocksFor(level, parts, opts), opts.maxChars);
        if (md !== null)
            return { markdown: md, level };
    }
    return { markdown: truncated(parts, opts), level: 'truncated' };
}
function partsOf(report) {
    const sorted = sortNodes(report.nodes);
    return {
        report,
        built: sorted.filter((n) => !n.is_test),
        tests: sorted.filter((n) => n.is_test),
        failures: sorted.filter((n) => outcomeOf(n.status) === 'failed' || outcomeOf(n.status) === 'warned')
    };
}
/** Joins blocks with blank lines; null as soon as they exceed `max`. */
function assemble(blocks, max) {
    const out = [];
    let size = 0;
    for (const block of blocks) {
        size += sizeOf(block) + (out.length > 0 ? 2 : 0);
        if (size > max)
            return null;
        out.push(block);
    }
    return out.join('\n\n');
}
function* blocksFor(level, p, opts) {
    yield header(p.report);
    if (level === 'essentials') {
        yield* essentials(p);
        if (p.report.data_changes)
            yield* dataChangesBlocks(p.report.data_changes, true);
        yield* selectionBlocks(p.report, level);
    }
    else {
        yield* builtSection(level, p);
        if (p.report.data_changes)
            yield* dataChangesBlocks(p.report.data_changes, false);
        yield* selectionBlocks(p.report, level);
        yield* testSection(level, p);
    }
    yield legend();
    if (level !== 'full')
        yield shortenedNote(opts, level === 'compact' ? 'relation names and evidence' : 'passing nodes without deferred refs');
}
function* builtSection(level, p) {
    yield `### Models, seeds and snapshots (${p.built.length})`;
    if (p.built.length === 0) {
        yield 'None ran.';
        return;
    }
    if (level === 'full') {
        for (const node of p.built)
            yield nodeFull(node, p.report);
        return;
    }
    yield table(['Status', 'Node', 'Type', 'Time', 'Refs'], p.built.map(nodeRow));
    const failed = p.built.filter((n) => outcomeOf(n.status) !== 'passed' && n.message);
    if (failed.length > 0)
        yield failed.map((n) => failureItem(n, MESSAGE_MAX.compact)).join('\n');
}
function* testSection(level, p) {
    if (p.tests.length === 0)
        return;
    yield `### Tests (${p.tests.length})`;
    const failing = p.tests.filter((n) => outcomeOf(n.status) === 'failed' || outcomeOf(n.status) === 'warned');
    if (failing.length > 0)
        yield failing.map((n) => failureItem(n, level === 'full' ? MESSAGE_MAX.compact : MESSAGE_MAX.test)).join('\n');
    const rows = p.tests.map((n) => testRow(n, MESSAGE_MAX.test));
    yield `<details><summary>All ${p.tests.length} tests</summary>\n\n${table(['Status', 'Test', 'Refs', 'Time', 'Message'], rows)}\n\n</details>`;
}
function* essentials(p) {
    if (p.failures.length > 0) {
        yield failuresHeading(p);
        yield p.failures.map((n) => failureItem(n, MESSAGE_MAX.essentials)).join('\n');
    }
    const deferred = deferredItems(p);
    if (deferred.length > 0) {
        yield `### Deferred refs (${deferred.length} nodes)`;
        yield deferred.join('\n');
    }
    const rest = p.report.nodes.length - p.failures.length - deferred.length;
    if (rest > 0)
        yield `<sub>${rest} other nodes ran without failures or deferred refs.</sub>`;
}
function failuresHeading(p) {
    const warned = p.failures.some((n) => outcomeOf(n.status) === 'warned');
    return `### ${warned ? 'Failures and warnings' : 'Failures'} (${p.failures.length})`;
}
/** Deferred refs of the models, seeds and snapshots that did not fail. */
function deferredItems(p) {
    return p.built.filter((n) => !p.failures.includes(n) && flattenRefs(n.refs).some(isDeferred)).map((n) => deferredItem(n));
}
/** The summary hint: a link when it is an http(s) URL, else escaped text. */
function pointer(hint) {
    return isSafeUrl(hint) ? link('the job summary of this run', hint) : escapeInline(hint, 300);
}
function shortenedNote(opts, dropped) {
    const where = opts.summaryHint ? `: the full report is in ${pointer(opts.summaryHint)}` : '';
    return `<sub>Shortened to fit (${dropped} left out)${where}.</sub>`;
}
/**
 * Last resort: header, then failure lines (no messages), then deferred-ref lines, as many as
 * fit, and a closing line that says what was left out and where the full report is.
 */
function truncated(p, opts) {
    const max = opts.maxChars;
    const room = max - reserveFor(opts, p);
    const heading = failuresHeading(p);
    const groups = [
        { heading, items: failureItems(p, header(p.report), heading, room), what: 'failures' },
        { heading: '### Deferred refs', items: deferredItems(p), what: 'nodes with deferred refs' }
    ];
    let out = header(p.report);
    const left = [];
    for (const g of groups) {
        const r = appendList(out, g.heading, g.items, room);
        out = r.out;
        if (r.omitted > 0)
            left.push(`${r.omitted} ${g.what}`);
    }
    const end = truncatedNote(opts, left);
    const final = `${out}\n\n${end}`;
    return sizeOf(final) <= max ? final : minimal(p, max);
}
/** Failure lines with a short message when they all fit so, else names only (every failure named first). */
function failureItems(p, head, heading, room) {
    const withMessages = p.failures.map((n) => failureItem(n, MESSAGE_MAX.test));
    const fits = sizeOf(`${head}\n\n${heading}\n\n${withMessages.join('\n')}`) <= room;
    return fits ? withMessages : p.failures.map((n) => failureItem(n, 0));
}
/** Room kept for the closing line (its longest form). */
function reserveFor(opts, p) {
    return sizeOf(truncatedNote(opts, [`${p.report.nodes.length} failures`, `${p.report.nodes.length} nodes with deferred refs`])) + 2;
}
function appendList(out, heading, items, max) {
    const lines = [];
    let size = sizeOf(out) + sizeOf(heading) + 4;
    for (const item of items) {
        size += sizeOf(item) + (lines.length > 0 ? 1 : 0);
        if (size > max)
            break;
        lines.push(item);
    }
    const text = lines.length > 0 ? `${out}\n\n${heading}\n\n${lines.join('\n')}` : out;
    return { out: text, omitted: items.length - lines.length };
}
function truncatedNote(opts, left) {
    const omitted = left.length > 0 ? ` Not shown: ${left.join(', ')}.` : '';
    const where = opts.summaryHint ? ` The full report is in ${pointer(opts.summaryHint)}.` : '';
    return `<sub>Truncated to fit.${omitted}${where}</sub>`;
}
/** When even the header does not fit: the title alone, or as much of it as fits. */
function minimal(p, max) {
    const t = title(p.report);
    if (sizeOf(t) <= max)
        return t;
    const plain = p.report.run.success ? 'dbt passed' : 'dbt failed';
    return plain.slice(0, Math.max(0, max));
}

/**
 * The report step: report.json, the markdown file, the job summary, the sticky PR comment and
 * annotations, from the parsed artifacts. Every text is scrubbed of the run's secrets before it
 * leaves the process.
 */
/** GitHub's comment limit is 65,536 characters; the rest of the room is for the marker. */
const COMMENT_BUDGET = 60_000;
/** The job summary holds 1 MiB per step; stay clear of it. */
const SUMMARY_BUDGET = 1_000_000;
/** run_results stand-in when dbt wrote none: the report then lists no nodes and says why. */
function noResults() {
    return { metadata: { dbt_schema_version: '' }, results: [] };
}
/** Builds report.json's structure from the artifacts. Pure. */
function makeReport(a) {
    const runResults = a.artifacts.runResults ?? noResults();
    const analysis = a.artifacts.manifest
        ? analyzeRun({
            manifest: a.artifacts.manifest,
            baseline: a.baseline,
            runResults,
            deferredEnv: a.info.deferredEnv,
            sqlFiles: a.artifacts.sqlFiles
        })
        : [];
    return buildReport({
        analysis,
        runResults,
        manifest: a.artifacts.manifest ?? null,
        run: a.info,
        cloned: a.cloned,
        dataChanges: a.dataChanges,
        selection: a.selection
    });
}
/** A note above the report when dbt wrote no usable results. */
function problemsNote(a) {
    if (a.artifacts.runResults && a.artifacts.manifest)
        return '';
    const why = a.artifacts.problems.map((p) => `- ${escapeInline(p, 500)}`).join('\n');
    const headline = a.artifacts.problems.some((p) => p.startsWith('dbt wrote no'))
        ? `dbt exited with ${a.exitCode} before reporting on its nodes; the job log has its output.`
        : `dbt's artifacts of this run could not be used (dbt exited with ${a.exitCode}); the job log has dbt's output.`;
    return `> [!WARNING]\n> ${headline}\n\n${why}\n\n`;
}
/** Posts or updates the sticky comment; a refusal is a warning, never the step's failure. */
async function comment(a, services, markdown) {
    if (!a.comment)
        return;
    if (!a.pr.repo || !a.pr.number) {
        services.log.info(`No pull request comment: ${a.pr.reason}. The report is in the job summary.`);
        return;
    }
    try {
        const result = await upsertStickyComment(services.github(), {
            ...a.pr.repo,
            issueNumber: a.pr.number,
            marker: a.commentMarker,
            body: markdown()
        });
        services.outputs.set(Output.CommentUrl, result.url);
        services.log.info(`Report comment ${result.action}: ${result.url}`);
    }
    catch (error) {
        if (!(error instanceof CommentError))
            throw error;
        services.log.warning(error.message);
    }
}
/** Runs one destination of the report; a failure is a warning and the others still run. */
async function bestEffort(services, what, publish) {
    try {
        await publish();
    }
    catch (error) {
        services.log.warning(`Could not ${what}: ${messageOf(error)}. The other report destinations were still written, and the build's result stands.`);
    }
}
/**
 * Step: write report.json, the markdown file, the job summary, annotations and the PR comment.
 * Each destination is best effort: one failing (the job summary file unset, the comment API
 * refusing) never stops the others and never changes the build's result.
 */
async function publishReport(a, services) {
    const report = makeReport(a);
    const note = problemsNote(a);
    const reportPath = join(a.reportDir, 'report.json');
    // Compact: at tens of thousands of nodes an indented report.json is several times larger.
    writeFileSync(reportPath, services.scrub(`${JSON.stringify(report)}\n`));
    const summary = services.scrub(note + renderMarkdown(report, { maxChars: SUMMARY_BUDGET - note.length }));
    const summaryPath = join(a.reportDir, 'summary.md');
    writeFileSync(summaryPath, summary);
    services.outputs.set(Output.ReportPath, reportPath);
    services.outputs.set(Output.SummaryPath, summaryPath);
    await bestEffort(services, 'write the job summary', () => services.summary.write(summary));
    await bestEffort(services, 'add the annotations', () => annotationsFor(report).forEach((annotation) => services.annotate(annotation)));
    if (a.comment) {
        // Rendered again only when there is a pull request to post to and the summary exceeds the
        // comment's budget: a report that fits both renders the same at either size.
        const markdown = () => sizeOf(summary) <= COMMENT_BUDGET
            ? summary
            : services.scrub(note + renderMarkdown(report, { maxChars: COMMENT_BUDGET - note.length, summaryHint: a.summaryUrl }));
        await bestEffort(services, 'post the report comment', () => comment(a, services, markdown));
    }
    return report;
}

/**
 * Asks dbt which nodes each part of `state:modified` selects. In the run's dbt session (see
 * dbt/session.ts), one `ls` per part on the parse the session already holds, with no process of
 * its own. Else, where dbt is a Python program (its executable a script whose first line names
 * its interpreter), one invocation: dbt's own programmatic runner parses the project once and
 * answers every part's `ls` from that parse. Otherwise (dbt Fusion, a binary), one `dbt ls` per
 * part, each starting from the previous one's partial-parse file.
 */
/** The marker of the programmatic runner's one answer line. */
const MARK = 'DBT_DEFER_WHY';
/**
 * The programmatic runner's script: parse once, then `ls` every part on that manifest, printing
 * one marked JSON line. Arguments: one JSON object (common flags, state directory, selectors).
 */
const SCRIPT = `
import json, sys
from dbt.cli.main import dbtRunner
spec = json.loads(sys.argv[1])
parsed = dbtRunner().invoke(["parse", "--quiet", *spec["common"]])
if not parsed.success:
    print("${MARK}" + json.dumps({"error": str(parsed.exception or "dbt parse failed")}))
    sys.exit(2)
runner = dbtRunner(manifest=parsed.result)
out = {}
for part, selector in spec["parts"].items():
    res = runner.invoke(["ls", "--quiet", "--select", selector, "--state", spec["state"], "--indirect-selection", "empty",
                         "--output", "json", "--output-keys", "unique_id", *spec["common"]])
    ids = [json.loads(line)["unique_id"] for line in (res.result or [])] if res.success else []
    out[part] = {"ok": bool(res.success), "ids": ids}
print("${MARK}" + json.dumps({"parts": out}))
`;
function emptySets() {
    return Object.fromEntries(PARTS.map((p) => [p, new Set()]));
}
async function programmatic(deps, python) {
    const spec = {
        common: ['--target-path', deps.targetDir(), ...projectArgs(deps.dbt)],
        state: deps.stateDir,
        parts: Object.fromEntries(PARTS.map((p) => [p, selectorOf(p)]))
    };
    let answer;
    const exit = await deps.process(python).run(['-c', SCRIPT, JSON.stringify(spec)], {
        cwd: deps.dbt.projectDir,
        env: deps.env,
        quiet: true,
        onLine: (line) => {
            if (line.startsWith(MARK))
                answer = line.slice(MARK.length);
        }
    });
    if (exit.exitCode !== 0 || !answer)
        return undefined;
    const parsed = JSON.parse(answer);
    if (!parsed.parts)
        return undefined;
    const sets = emptySets();
    const failed = [];
    for (const part of PARTS) {
        const got = parsed.parts[part];
        if (!got?.ok)
            failed.push(part);
        for (const id of got?.ids ?? [])
            sets[part].add(id);
    }
    return { sets, failed, how: 'programmatic', invocations: 1 };
}
async function onePerPart(deps) {
    const sets = emptySets();
    const failed = [];
    for (const part of PARTS) {
        const { exit } = await deps.runner.step(`why-${part}`, lsArgs(part, deps.stateDir), {
            quiet: true,
            reads: 'nothing',
            onLine: (line) => {
                const id = idOfLine(line);
                if (id)
                    sets[part].add(id);
            }
        });
        if (exit.exitCode !== 0)
            failed.push(part);
    }
    return { sets, failed, how: 'dbt-ls', invocations: PARTS.length };
}
/** Asks dbt: in the run's dbt session, else in one invocation where it can, else one `dbt ls` per part. */
async function askDbt(deps) {
    if (await deps.runner.inSession?.())
        return { ...(await onePerPart(deps)), how: 'session', invocations: 0 };
    const python = await pythonOf(deps.dbt.executable);
    const answer = python ? await programmatic(deps, python) : undefined;
    return answer ?? onePerPart(deps);
}

/** How dbt was asked, for the log. */
const HOW = {
    session: "one dbt ls per part in the run's dbt session, on its parse",
    programmatic: "dbt's programmatic runner, one invocation",
    'dbt-ls': 'one dbt ls invocation per part'
};
/** Asks dbt and git; never throws. */
async function gatherSelection(d) {
    const lag = await findLag(d.git, d.commits).catch((error) => ({ kind: 'unknown', why: messageOf(error) }));
    if (lag.kind === 'unknown')
        d.log.info(`Baseline lag: not known (${lag.why}).`);
    try {
        const answer = await askDbt({
            dbt: d.dbt,
            env: d.env,
            process: d.process,
            runner: d.runner,
            targetDir: () => d.runner.scratch('why'),
            stateDir: d.stateDir
        });
        d.log.info(`Asked dbt why each node is selected (${HOW[answer.how]}).`);
        if (answer.failed.length > 0) {
            d.log.warning(`dbt could not list the nodes of ${answer.failed.map((p) => `state:modified.${p}`).join(', ')}; those reasons are left out.`);
        }
        return { answer, lag };
    }
    catch (error) {
        d.log.warning(`Could not ask dbt why each node is selected: ${messageOf(error)}. The report leaves the reasons out.`);
        return { lag, failure: messageOf(error) };
    }
}
/** The entry of a node in a properties file (models:, seeds:, snapshots: ...), as JSON, or undefined. */
function entryOf(text, name) {
    if (text === undefined)
        return undefined;
    try {
        const doc = distExports.parse(text);
        for (const list of Object.values(doc ?? {})) {
            if (!Array.isArray(list))
                continue;
            const entry = list.find((e) => typeof e === 'object' && e !== null && e.name === name);
            if (entry)
                return JSON.stringify(entry);
        }
    }
    catch {
        return undefined;
    }
    return undefined;
}
/**
 * Of the nodes selected for their configs alone, those whose written configs are the same at the
 * baseline's commit and now: their SQL file and dbt_project.yml did not change, and neither did
 * their entry in their properties file. Their configs can then differ only in how they render.
 */
async function configsWrittenSame(git, lag, candidates, projectPath) {
    const same = new Set();
    if (lag.kind !== 'known')
        return same;
    const changed = inProject(lag.lag.sinceBaseline, projectPath);
    if (changed.has('dbt_project.yml'))
        return same;
    const prefix = projectPath === '.' || projectPath === '' ? '' : `${projectPath.replace(/\/+$/, '')}/`;
    const show = async (path) => {
        const r = await git.run(['show', `${lag.lag.baselineSha}:${prefix}${path}`]);
        return r.code === 0 ? r.stdout : undefined;
    };
    const head = async (path) => {
        const r = await git.run(['show', `${lag.lag.headSha}:${prefix}${path}`]);
        return r.code === 0 ? r.stdout : undefined;
    };
    for (const c of candidates) {
        if (c.files.sql && changed.has(c.files.sql))
            continue;
        if (c.files.patch && changed.has(c.files.patch)) {
            const before = entryOf(await show(c.files.patch), c.name);
            if (before === undefined || before !== entryOf(await head(c.files.patch), c.name))
                continue;
        }
        same.add(c.uniqueId);
    }
    return same;
}
/** The nodes dbt selected for their configs alone, with their files. */
function configsOnly(answer, current) {
    const others = PARTS.filter((p) => p !== 'configs');
    return [...answer.sets.configs]
        .filter((id) => others.every((p) => !answer.sets[p].has(id)))
        .flatMap((id) => {
        const node = nodeOf(current, id);
        if (!node)
            return [];
        const patch = node.patch_path ? node.patch_path.slice(node.patch_path.indexOf('://') + 3) : undefined;
        return [{ uniqueId: id, name: node.name, files: { sql: node.original_file_path, patch } }];
    });
}
/** After the build: the selection part of the report, or undefined when dbt gave no answer. */
async function explainAfterBuild(facts, run) {
    if (!facts.answer)
        return undefined;
    const writtenSame = await configsWrittenSame(run.git, facts.lag, configsOnly(facts.answer, run.current), run.projectPath);
    return explainRun({ answer: facts.answer, lag: facts.lag, ...run, configsWrittenSame: writtenSame });
}
/**
 * Before the build, for exclude-lagging: the selectors (fully qualified names) of the nodes dbt
 * selects directly that the PR did not touch, with the data tests of only those nodes.
 */
function lagOnlyBeforeBuild(facts, current, projectPath) {
    if (!facts.answer || facts.lag.kind !== 'known')
        return [];
    const direct = [...new Set(PARTS.flatMap((p) => [...facts.answer.sets[p]]))];
    const report = explainRun({
        answer: facts.answer,
        lag: facts.lag,
        selected: direct,
        current,
        baseline: { metadata: { dbt_schema_version: '' }, nodes: {}, sources: {} },
        projectPath
    });
    const lagging = new Set(Object.entries(report.section.nodes)
        .filter(([, n]) => n.why.lag_only)
        .map(([id]) => id));
    if (lagging.size === 0)
        return [];
    for (const node of Object.values(current.nodes)) {
        const parents = node.depends_on?.nodes ?? [];
        if (node.resource_type === 'test' && parents.length > 0 && parents.every((p) => lagging.has(p)))
            lagging.add(node.unique_id);
    }
    return [...lagging]
        .map((id) => current.nodes[id])
        .filter((n) => Boolean(n && Array.isArray(n.fqn)))
        .map((n) => n.fqn.join('.'))
        .sort();
}

/** dbt commands that write no artifacts and take no `--target-path`. */
const NO_TARGET_PATH = new Set(['deps', 'clean', 'debug', 'init']);
/** Where `--target-path` goes: right after the dbt command, before its other flags. */
function withTargetPath(args, targetDir) {
    return NO_TARGET_PATH.has(args[0]) ? args : [args[0], '--target-path', targetDir, ...args.slice(1)];
}
/** The runner of one action run. */
function dbtRunner(deps) {
    let previous;
    return {
        async step(name, args, opts = {}) {
            const targetDir = deps.dirs.dbtTarget(name, previous);
            const parse = projectArgs(deps.dbt);
            const argv = withTargetPath([...args, ...parse], targetDir);
            deps.log.info(`Running: ${deps.dbt.executable} ${opts.logAs ?? argv.join(' ')}`);
            const exit = await deps.process.run(argv, {
                cwd: deps.dbt.projectDir,
                env: deps.env,
                onLine: opts.onLine,
                quiet: opts.quiet,
                shared: { parse, targetDir, reads: opts.reads ?? 'all' }
            });
            previous = targetDir;
            return { exit, targetDir };
        },
        scratch(name) {
            previous = deps.dirs.dbtTarget(name, previous);
            return previous;
        },
        startFrom(dir) {
            previous = dir;
        },
        async inSession() {
            return (await deps.process.inSession?.({ cwd: deps.dbt.projectDir, env: deps.env })) ?? false;
        }
    };
}

/**
 * Step: find the pull request. Never fails the build: without one the report goes to the job
 * summary only, which is said in the log.
 */
async function locatePullRequest(settings, services) {
    const { context, report } = settings;
    // The payload's own pull request needs no API: the CI schema's {pr} comes from it even without a token.
    const offline = report.prNumber === undefined ? pullRequestOfPayload(services.event, context.repository, context.eventName) : undefined;
    if (!context.repository)
        return {
            ...offline?.pr,
            fromFork: offline?.pr?.fromFork ?? false,
            reason: 'the run belongs to no repository (GITHUB_REPOSITORY is not set)'
        };
    const repo = parseRepository(context.repository);
    if (!report.token)
        return { repo, ...offline?.pr, fromFork: offline?.pr?.fromFork ?? false, reason: 'no github-token was given' };
    try {
        const found = await findPullRequest(services.github(), {
            repository: context.repository,
            eventName: context.eventName,
            payload: services.event,
            branch: context.branch,
            prNumberOverride: report.prNumber
        });
        if (!found.pr)
            services.log.info(`No pull request to comment on: ${found.reason}`);
        return { repo, ...found.pr, fromFork: found.pr?.fromFork ?? false, reason: found.reason };
    }
    catch (error) {
        services.log.warning(`Could not look up the pull request: ${messageOf(error)}. The report goes to the job summary only.`);
        return { repo, ...offline?.pr, fromFork: offline?.pr?.fromFork ?? false, reason: messageOf(error) };
    }
}

/**
 * The per-PR CI schema name, from the `ci-schema` template. Pure.
 *
 * Rules, in order:
 * - An empty (or blank) template means no per-PR schema: the result is undefined.
 * - `{pr}`, `{run_id}` and `{branch}` are replaced; any other `{...}` is an error.
 * - `{pr}` without a pull request number (a manual or scheduled run with no open PR) becomes
 *   `run_<run id>`, so the name is unique to the run and can never be taken for a PR's schema;
 *   the `note` callback says so. Without a run id either, it is an error.
 * - The result is lower-cased; every run of characters outside `[a-z0-9_]` becomes one `_`,
 *   runs of `_` collapse to one and trailing `_` go. A name starting with a digit gets `ci_` in
 *   front (most warehouses need quoting otherwise).
 * - Past 63 characters (PostgreSQL's identifier limit) the name is cut to 54 and ends with `_`
 *   and 8 hex characters of a hash of the full name, so two long branch names stay distinct.
 */
/** A template or its inputs cannot give a schema name. */
class CiSchemaError extends ActionError {
}
/** PostgreSQL's limit; other warehouses allow at least as much. */
const MAX_SCHEMA_LENGTH = 63;
const HASH_LENGTH = 8;
const PLACEHOLDERS = ['pr', 'run_id', 'branch'];
function missing(template, placeholder, what) {
    return new CiSchemaError(`Input 'ci-schema' is '${template}', but this run has no ${what} for {${placeholder}}. ` +
        `Use a placeholder this event provides (${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}), ` +
        `or set 'ci-schema' to '' to build into the target's own schema.`);
}
function replacement(template, name, vars, note) {
    switch (name) {
        case 'pr':
            if (vars.pr !== undefined)
                return String(vars.pr);
            if (!vars.runId)
                throw missing(template, 'pr', 'pull request number (nor a run id to fall back on)');
            note(`No pull request for this run: {pr} in 'ci-schema' becomes 'run_${vars.runId}' (this run's id).`);
            return `run_${vars.runId}`;
        case 'run_id':
            if (!vars.runId)
                throw missing(template, 'run_id', 'workflow run id');
            return vars.runId;
        case 'branch':
            if (!vars.branch)
                throw missing(template, 'branch', 'branch name');
            return vars.branch;
        default:
            throw new CiSchemaError(`Input 'ci-schema' is '${template}', and {${name}} is not a known placeholder. ` +
                `Accepted: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}.`);
    }
}
/** Lower-cases and reduces a name to `[a-z0-9_]`, as documented above. */
function sanitizeSchemaName(raw) {
    let name = raw
        .toLowerCase()
        .replace(/[^a-z0-9_]+/g, '_')
        .replace(/_+/g, '_')
        .replace(/_+$/, '');
    if (/^[0-9]/.test(name))
        name = `ci_${name}`;
    if (name.length <= MAX_SCHEMA_LENGTH)
        return name;
    const hash = createHash('sha256').update(name).digest('hex').slice(0, HASH_LENGTH);
    return `${name.slice(0, MAX_SCHEMA_LENGTH - HASH_LENGTH - 1).replace(/_+$/, '')}_${hash}`;
}
/**
 * The CI schema name for this run, or undefined when the template is empty.
 * @param note receives a sentence when a fallback was used (e.g. no PR number).
 * @throws CiSchemaError when the template cannot be filled or leaves no usable name.
 */
function ciSchemaName(template, vars, note = () => { }) {
    if (template.trim() === '')
        return undefined;
    const filled = template.trim().replace(/\{([^{}]*)\}/g, (_, name) => replacement(template, name.trim(), vars, note));
    const name = sanitizeSchemaName(filled);
    if (name === '') {
        throw new CiSchemaError(`Input 'ci-schema' is '${template}', which leaves no letters, digits or underscores for a schema name. ` +
            `Use a name such as 'dbt_ci_pr_{pr}'.`);
    }
    return name;
}

/**
 * The targets of the project's dbt profile as written in profiles.yml: literal schemas as they
 * are, templated ones as raw Jinja for the safety probe to render through dbt.
 */
const isTemplated = (value) => /\{\{|\{%/.test(value);
function readTarget(name, output) {
    const fields = (output ?? {});
    const value = fields.schema ?? fields.dataset;
    if (value === undefined || value === null)
        return { name };
    const text = String(value).trim();
    return isTemplated(text) ? { name, templated: text } : { name, schema: text };
}
/**
 * Reads the targets of `profile` from the text of a profiles.yml. Returns null when the file
 * has no such profile. Pure.
 */
function parseProfileTargets(text, profile, path) {
    const doc = (distExports.parse(text) ?? {});
    const entry = doc[profile];
    if (!entry || typeof entry !== 'object')
        return null;
    const outputs = entry.outputs && typeof entry.outputs === 'object' ? entry.outputs : {};
    const target = typeof entry.target === 'string' && !isTemplated(entry.target) ? entry.target.trim() : undefined;
    return {
        path,
        profile,
        defaultTarget: target,
        targets: Object.entries(outputs).map(([name, output]) => readTarget(name, output))
    };
}
/** The `profile:` of dbt_project.yml, or undefined when it is missing or templated. */
function projectProfileName(projectYaml) {
    const doc = (distExports.parse(projectYaml) ?? {});
    const name = typeof doc.profile === 'string' ? doc.profile.trim() : '';
    return name === '' || isTemplated(name) ? undefined : name;
}
async function readIfExists(path) {
    try {
        return await readFile(path, 'utf8');
    }
    catch (err) {
        if (err.code === 'ENOENT')
            return undefined;
        throw err;
    }
}
/** The profile could not be read: the safety check has no targets to compare with, so it refuses. */
class ProfileUnreadableError extends ActionError {
}
/**
 * Finds and reads the project's profile the way dbt looks it up: `profilesDir` when given,
 * else the project directory, else `<homeDir>/.dbt`. Throws ProfileUnreadableError when there is
 * none: without the other targets' schemas nothing proves the CI schema is not one of them.
 */
async function loadProfileTargets(args) {
    const projectFile = join(args.projectDir, 'dbt_project.yml');
    const profile = args.profile ?? (await profileFromProject(projectFile));
    if (!profile) {
        throw new ProfileUnreadableError(`The safety check needs the project's profile, but ${projectFile} has no literal 'profile:'. Write the profile name there as plain text.`);
    }
    const dirs = args.profilesDir ? [args.profilesDir] : [args.projectDir, join(args.homeDir, '.dbt')];
    for (const dir of dirs) {
        const path = join(dir, 'profiles.yml');
        const text = await readIfExists(path);
        if (text === undefined)
            continue;
        const targets = parseOrRefuse(text, profile, path);
        if (targets)
            return targets;
    }
    throw new ProfileUnreadableError(`The safety check needs profile '${profile}' to compare the CI schema with every target's schema, but no profiles.yml in ${dirs.join(', ')} has it. ` +
        `Set the input 'profiles-dir' to the directory of the profiles.yml dbt uses.`);
}
/** The `profile:` of dbt_project.yml, for a caller that has not read the project. */
async function profileFromProject(projectFile) {
    const projectYaml = await readIfExists(projectFile);
    return projectYaml === undefined ? undefined : projectProfileName(projectYaml);
}
function parseOrRefuse(text, profile, path) {
    try {
        return parseProfileTargets(text, profile, path);
    }
    catch (error) {
        throw new ProfileUnreadableError(`${path} is not valid YAML (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); the safety check cannot read its targets. Fix the file so dbt can read it too.`);
    }
}

/**
 * The run seam: the facts of this run, gathered once, that every mode works from. Each step
 * then takes the narrow part it needs and returns what it learned.
 */
/** The CI schema of the run, published as an output. */
function ciSchemaOf(settings, services, pr) {
    const { template, envVar } = settings.ciSchema;
    const name = ciSchemaName(template, { pr: pr.number, runId: settings.context.runId, branch: settings.context.branch }, (m) => services.log.info(m));
    services.outputs.set(Output.CiSchema, name ?? '');
    if (!name)
        return undefined;
    services.log.info(`CI schema: ${name} (handed to dbt as ${envVar}).`);
    return { name, envVar };
}
/** Gathers the facts every mode starts from. */
async function prepareRun(settings, services) {
    const project = readDbtProject(settings.dbt.projectDir, settings.dbt.targetPath);
    const dirs = actionDirs(settings.context.tempDir, settings.context.workspace, settings.dbt.projectDir, project.name);
    const pr = await locatePullRequest(settings, services);
    const ciSchema = ciSchemaOf(settings, services, pr);
    const env = { ...settings.dbt.env, ...(ciSchema ? { [ciSchema.envVar]: ciSchema.name } : {}) };
    const runner = dbtRunner({ process: services.dbt, dbt: settings.dbt, env, dirs, log: services.log });
    const owner = { repository: settings.context.repository, project: project.name, pr: pr.number, runId: settings.context.runId };
    const source = createBaselineSource(settings.baseline, {
        github: services.github,
        repository: settings.context.repository,
        serverUrl: settings.context.serverUrl,
        cache: services.cache,
        log: services.log,
        tempDir: settings.context.tempDir,
        projectDir: settings.dbt.projectDir,
        workspace: settings.context.workspace,
        projectKey: dirs.projectKey,
        downloadDir: dirs.downloadDir
    });
    return { project, dirs, pr, ciSchema, owner, runner, env, source };
}
/** The baselines of every environment the inputs point to (reusing the deferred one, when known). */
function gatherBaselineEvidence(settings, services, facts, known) {
    return obtainEvidence(settings.baseline, facts.source, {
        project: { name: facts.project.name },
        log: services.log,
        readJson: services.files.readJson,
        evidenceDir: facts.dirs.evidenceDir,
        known
    });
}
/** What the safety steps need, from the run's facts. */
async function safetyDeps(settings, services, facts, baselines) {
    const profile = await loadProfileTargets({
        profile: facts.project.profile,
        projectDir: settings.dbt.projectDir,
        profilesDir: settings.dbt.profilesDir,
        homeDir: settings.dbt.env.HOME || homedir()
    });
    return {
        runner: facts.runner,
        profile,
        ciSchema: facts.ciSchema,
        baselines,
        owner: facts.owner,
        readJson: services.files.readJson,
        wholeManifest: settings.selection.excludeLagging,
        log: services.log,
        now: services.now
    };
}

/** A write or a drop was refused: the schema may hold data that is not the run's own. */
class UnsafeSchemaError extends ActionError {
    schema;
    reason;
    why;
    constructor(schema, reason, message, 
    /** Why, without the advice on what to do (callers outside CI give their own). */
    why = message) {
        super(message, { input: 'ci-schema' });
        this.schema = schema;
        this.reason = reason;
        this.why = why;
    }
}
/** Schemas that belong to the warehouse itself (compared lower-case). */
const SYSTEM_SCHEMAS = ['information_schema', 'pg_catalog', 'public', 'main', 'pg_toast', 'sys'];
/** Node types dbt materialises in a schema (tests: their store_failures tables). */
const WRITING_TYPES = new Set(['model', 'seed', 'snapshot', 'test', 'function']);
const SAFE_NAME = /^[A-Za-z0-9_]+$/;
const FIX = "Set the 'ci-schema' input to a schema no deployed environment uses, such as 'dbt_ci_pr_{pr}', and let the CI target take its schema from it.";
const lower = (s) => (s ?? '').toLowerCase();
function refuse(schema, reason, why, fix = FIX) {
    throw new UnsafeSchemaError(schema, reason, `Refusing to use schema '${schema}': ${why} ${fix}`, why);
}
/** The schemas this run's dbt writes to: the target's, and every schema a materialised node of the project resolves to. */
function writeSchemas(evidence) {
    const found = new Map([[lower(evidence.target.schema), evidence.target.schema]]);
    for (const node of Object.values(evidence.manifest.nodes ?? {})) {
        if (!WRITING_TYPES.has(node.resource_type) || node.config?.materialized === 'ephemeral' || !node.schema)
            continue;
        if (!found.has(lower(node.schema)))
            found.set(lower(node.schema), node.schema);
    }
    return [...found.values()];
}
/** The CI schema and the schemas dbt derives from it (`<ci>_<custom>`), which the run creates and may drop. */
function ciOwnedSchemas(ciSchema, manifest) {
    const prefix = `${lower(ciSchema)}_`;
    const derived = writeSchemas({ target: { name: '', schema: ciSchema }, manifest }).filter((s) => lower(s).startsWith(prefix));
    return [ciSchema, ...derived.sort()];
}
function checkMissing(evidence) {
    for (const b of evidence.baselines) {
        if (b.manifest || !b.missing || b.missing.allowed)
            continue;
        refuse(evidence.ciSchema?.name ?? evidence.target.schema, 'missing-evidence', `the ${b.env} baseline, which the inputs point to, is not at hand (${b.missing.why}), so the action cannot prove the schema is not ${b.env}'s.`, `Make the ${b.env} baseline reachable (the message above says how), or, if ${b.env} has really never been deployed, set 'if-no-baseline: build-all'.`);
    }
}
function checkCiTarget(evidence) {
    const ci = evidence.ciSchema;
    if (!ci || lower(evidence.target.schema) === lower(ci.name))
        return;
    refuse(evidence.target.schema, 'ci-target-schema', `the CI schema is '${ci.name}', but dbt renders the schema of target '${evidence.target.name}' as '${evidence.target.schema}': the target does not take its schema from ${ci.envVar}, so the build would write elsewhere.`, `Give the CI target \`schema: "{{ env_var('${ci.envVar}') }}"\` in ${evidence.profilePath}, or set the input 'target' to the target that does.`);
}
function checkName(schema) {
    if (!SAFE_NAME.test(schema))
        refuse(schema, 'invalid-name', 'a schema the action writes or drops may hold only letters, digits and underscores.');
    const l = lower(schema);
    if (SYSTEM_SCHEMAS.includes(l) || l.startsWith('pg_'))
        refuse(schema, 'system-schema', 'it is a schema of the warehouse itself.');
}
function checkBaselines(schema, baselines) {
    for (const { env, manifest } of baselines) {
        if (!manifest)
            continue;
        const hit = firstBySchema(manifest.nodes ?? {}).get(lower(schema));
        if (hit)
            refuse(schema, 'baseline-relation', `the ${env} baseline manifest puts ${hit.resource_type} '${hit.unique_id}' in it.`);
        const source = firstBySchema(manifest.sources ?? {}).get(lower(schema));
        if (source)
            refuse(schema, 'source-schema', `the ${env} baseline's source '${source.source_name}.${source.name}' reads from it.`);
    }
}
const bySchema = new WeakMap();
/**
 * The first entry of a section in each schema (lower-cased), from one pass over it. A big
 * baseline's sections are read-only and read from their file (see dbt/json-file.ts), so theirs
 * is made once and kept; any other section may change between two checks, and is read anew.
 */
function firstBySchema(section) {
    const known = bySchema.get(section);
    if (known)
        return known;
    const first = new Map();
    for (const [, entry] of entriesOf(section)) {
        const key = lower(entry.schema);
        if (!first.has(key))
            first.set(key, entry);
    }
    if (isIndexed(section))
        bySchema.set(section, first);
    return first;
}
function checkSources(schema, manifest) {
    const source = Object.values(manifest.sources ?? {}).find((s) => lower(s.schema) === lower(schema));
    if (source)
        refuse(schema, 'source-schema', `source '${source.source_name}.${source.name}' (${source.unique_id}) reads from it.`);
}
function checkTargets(schema, evidence) {
    for (const target of evidence.profileTargets) {
        if (target.name === evidence.target.name || target.followsCiSchema || lower(target.schema) !== lower(schema))
            continue;
        refuse(schema, 'profile-target', `it is the schema of target '${target.name}' in ${evidence.profilePath} (as dbt renders it), and the CI target is '${evidence.target.name}'.`);
    }
}
/** Throws unless `schema` is provably not a deployed environment's, a source's or the warehouse's. */
function assertNotDeployed(schema, evidence) {
    checkName(schema);
    checkBaselines(schema, evidence.baselines);
    checkSources(schema, evidence.manifest);
    checkTargets(schema, evidence);
}
/**
 * Proves the run may write: the evidence is complete, the CI target writes into the CI schema,
 * and no schema the run writes to is a deployed environment's. Returns the schemas it writes to.
 */
function proveWritable(evidence) {
    checkMissing(evidence);
    checkCiTarget(evidence);
    const schemas = writeSchemas(evidence);
    for (const schema of schemas)
        assertNotDeployed(schema, evidence);
    return schemas;
}
/** How to drop a schema by hand, for a refusal that leaves it to the user. */
function byHand(schema) {
    return `If it really is this pull request's and should go, drop it by hand: \`drop schema ${schema} cascade\` with the CI role.`;
}
/**
 * Proves the run may drop the CI schema and those derived from it: every check of a write, and
 * for each one that exists, the action's marker naming this repository, project and pull
 * request (or run). Returns the schemas to drop (those that exist).
 */
function proveDroppable(evidence, owner) {
    const ci = evidence.ciSchema;
    if (!ci)
        throw new ActionError("There is no CI schema to drop: the input 'ci-schema' is empty.", { input: 'ci-schema' });
    checkMissing(evidence);
    checkCiTarget(evidence);
    const drop = [];
    for (const schema of ciOwnedSchemas(ci.name, evidence.manifest)) {
        assertNotDeployed(schema, evidence);
        const state = evidence.schemas.find((s) => lower(s.schema) === lower(schema));
        if (!state)
            refuse(schema, 'missing-evidence', 'the warehouse was not asked whether it exists and who made it.');
        if (!state.exists)
            continue;
        if (!state.marker)
            refuse(schema, 'not-owned', 'it holds no ownership marker of this action, so nothing proves the action created it.', byHand(schema));
        const mismatch = ownerMatches(state.marker, owner);
        if (mismatch)
            refuse(schema, 'not-owned', `its ownership marker names ${mismatch}.`, byHand(schema));
        drop.push(schema);
    }
    return drop;
}

/**
 * What the warehouse and dbt say, asked through dbt itself before dbt writes anything: one
 * `dbt compile --inline` under the CI target renders the schema of every profile target the way
 * dbt renders it, parses the project (its sources, and the schema each node resolves to under
 * the CI target), and asks the adapter which of those schemas exist and which hold the action's
 * ownership marker. Two more inline compiles create claimed schemas with their marker and drop
 * proven ones. Every name that reaches the Jinja has passed the check's name rule or is escaped.
 */
/** A dbt step the safety check depends on failed: the run stops before touching the warehouse. */
class SafetyProbeError extends ActionError {
}
const BEGIN = '/*DBT_DEFER_PROBE';
const END = 'DBT_DEFER_PROBE*/';
const WRITING = "['model', 'seed', 'snapshot', 'test', 'function']";
function renderTemplates(templates) {
    return Object.entries(templates)
        .map(([name, raw], i) => `{%- set t${i} -%}${raw}{%- endset -%}{%- do rendered.update({${jinjaString(name)}: t${i} | trim}) -%}`)
        .join('');
}
const MARKER_READ = `{%- set rel = adapter.get_relation(database=db, schema=s, identifier='${MARKER_TABLE}') -%}` +
    `{%- if rel is not none -%}{%- set res = run_query('select ${MARKER_COLUMNS.join(', ')} from ' ~ rel) -%}` +
    `{%- if res.rows | length > 0 -%}{%- set row = res.rows[0] -%}{%- set marker = {} -%}` +
    MARKER_COLUMNS.map((c, i) => `{%- do marker.update({'${c}': '' if row[${i}] is none else row[${i}] | string}) -%}`).join('') +
    `{%- endif -%}{%- endif -%}`;
/**
 * One walk over dbt's graph: each (database, schema) pair a materialised node writes to, for the
 * warehouse to be asked about, and the check's fields of the first node of each schema and of the
 * first source of each schema, in the order dbt lists them: all the check reads of the project
 * (see ProbeManifest), so that dbt need not write the whole manifest for it.
 */
const WALK_GRAPH = `{%- set pairs = [[target.database, target.schema]] -%}` +
    `{%- set picked = {'metadata': {'dbt_version': dbt_version}, 'nodes': {}, 'sources': {}} -%}{%- set seen = [] -%}` +
    `{%- for n in graph.nodes.values() -%}{%- if n.resource_type in ${WRITING} and n.config.materialized != 'ephemeral' and n.schema -%}` +
    `{%- if [n.database, n.schema] not in pairs -%}{%- do pairs.append([n.database, n.schema]) -%}{%- endif -%}` +
    `{%- if n.schema not in seen -%}{%- do seen.append(n.schema) -%}` +
    `{%- do picked.nodes.update({n.unique_id: {'unique_id': n.unique_id, 'resource_type': n.resource_type, 'schema': n.schema, 'config': {'materialized': n.config.materialized}}}) -%}` +
    `{%- endif -%}{%- endif -%}{%- endfor -%}{%- set seen = [] -%}` +
    `{%- for s in graph.sources.values() -%}{%- if s.schema not in seen -%}{%- do seen.append(s.schema) -%}` +
    `{%- do picked.sources.update({s.unique_id: {'unique_id': s.unique_id, 'name': s.name, 'source_name': s.source_name, 'schema': s.schema}}) -%}` +
    `{%- endif -%}{%- endfor -%}`;
/** The inline SQL of the probe. `templates` maps target names to their raw templated schema. */
function probeSql(templates) {
    return (`{% if execute %}{%- set rendered = {} -%}${renderTemplates(templates)}` +
        WALK_GRAPH +
        `{%- set states = [] -%}{%- for p in pairs -%}{%- set db = p[0] -%}{%- set s = p[1] -%}{%- set marker = none -%}` +
        `{%- set exists = adapter.check_schema_exists(db, s) -%}{%- if exists -%}${MARKER_READ}{%- endif -%}` +
        `{%- do states.append({'schema': s, 'exists': exists, 'marker': marker}) -%}{%- endfor -%}` +
        `${BEGIN}{{ tojson({'target': {'name': target.name, 'schema': target.schema, 'database': target.database, 'type': target.type}, 'rendered': rendered, 'schemas': states, 'manifest': picked}) }}${END}` +
        `{% endif %}select 1 as probed`);
}
/** The inline SQL that creates each schema and its ownership marker. Names must have passed the check. */
function claimSql(schemas, owner, now) {
    const select = jinjaString(markerSelect(owner, now));
    const each = schemas
        .map((s) => `{%- do adapter.create_schema(api.Relation.create(database=target.database, schema=${jinjaString(s)})) -%}` +
        `{%- do run_query(get_create_table_as_sql(False, api.Relation.create(database=target.database, schema=${jinjaString(s)}, identifier='${MARKER_TABLE}', type='table'), ${select})) -%}`)
        .join('');
    return `{% if execute %}${each}{% endif %}select 1 as claimed`;
}
/** The inline SQL that drops the schemas. Names must have passed the check. */
function dropSql(schemas) {
    const each = schemas
        .map((s) => `{%- do adapter.drop_schema(api.Relation.create(database=target.database, schema=${jinjaString(s)})) -%}`)
        .join('');
    return `{% if execute %}${each}{% endif %}select 1 as dropped`;
}
function tail(output) {
    return output.split('\n').slice(-20).join('\n');
}
async function readJson(read, path) {
    return (await read(path));
}
/** Runs the probe. Throws SafetyProbeError (nothing touched) when dbt cannot parse, render or connect. */
async function runProbe(runner, templates, read, whole = false) {
    const step = await runner.step('probe', ['compile', '--inline', probeSql(templates)], {
        logAs: 'compile --inline <safety probe: targets, schemas, ownership markers>',
        reads: whole ? 'all' : 'run-results'
    });
    if (step.exit.exitCode !== 0) {
        throw new SafetyProbeError(`The safety check could not ask dbt which schemas the run would use (dbt compile exited ${step.exit.exitCode}), so nothing was written or dropped. ` +
            `dbt must be able to parse the project and connect with the CI target; and every target's schema in profiles.yml must render in this job (set the variables it reads). dbt said:\n${tail(step.exit.output)}`);
    }
    const results = await readJson(read, join(step.targetDir, 'run_results.json'));
    const code = results.results?.[0]?.compiled_code ?? '';
    const start = code.indexOf(BEGIN);
    const end = code.indexOf(END, start);
    if (start < 0 || end < 0)
        throw new SafetyProbeError('The safety probe ran, but dbt reported no probe result; nothing was written or dropped. Re-run with debug logging and report it.');
    const parsed = JSON.parse(code.slice(start + BEGIN.length, end));
    if (typeof parsed.manifest?.nodes !== 'object' || parsed.manifest.nodes === null)
        throw new SafetyProbeError("The safety probe ran, but dbt's answer lists none of the project's nodes; nothing was written or dropped. Re-run with debug logging and report it.");
    // The manifest dbt wrote whole only when a later step reads more of it than the check.
    const wholeManifest = whole ? (await read(join(step.targetDir, 'manifest.json'))) : undefined;
    const schemas = parsed.schemas.map((s) => ({ schema: s.schema, exists: Boolean(s.exists), marker: s.marker ?? undefined }));
    return { target: parsed.target, rendered: parsed.rendered, schemas, manifest: parsed.manifest, wholeManifest };
}
/** Creates the schemas with their markers. */
async function claimSchemas(runner, schemas, owner, now) {
    if (schemas.length === 0)
        return;
    const step = await runner.step('claim', ['compile', '--inline', claimSql(schemas, owner, now)], {
        logAs: `compile --inline <create ${schemas.join(', ')} with the ownership marker>`,
        reads: 'nothing'
    });
    if (step.exit.exitCode !== 0) {
        throw new SafetyProbeError(`Could not create the CI schema ${schemas.map((s) => `'${s}'`).join(', ')} with its ownership marker (dbt exited ${step.exit.exitCode}); the CI role needs the right to create schemas. dbt said:\n${tail(step.exit.output)}`);
    }
}
/** Drops the schemas. */
async function dropSchemas(runner, step, schemas) {
    const run = await runner.step(step, ['compile', '--inline', dropSql(schemas)], {
        logAs: `compile --inline <drop ${schemas.join(', ')}>`,
        reads: 'nothing'
    });
    if (run.exit.exitCode !== 0) {
        throw new SafetyProbeError(`dbt could not drop schema ${schemas.map((s) => `'${s}'`).join(', ')} (exit code ${run.exit.exitCode}). Check that the CI target's credentials may drop schemas; dbt said:\n${tail(run.exit.output)}`);
    }
}

/** Asks dbt and the warehouse for the evidence the check decides from. */
async function gatherEvidence(d) {
    const templates = Object.fromEntries(d.profile.targets.flatMap((t) => (t.templated ? [[t.name, t.templated]] : [])));
    const probe = await runProbe(d.runner, templates, d.readJson, d.wholeManifest);
    const raw = (t) => t.templated ?? t.schema;
    const ciRaw = raw(d.profile.targets.find((t) => t.name === probe.target.name) ?? { });
    const follows = (t) => Boolean((d.ciSchema && t.templated?.includes(d.ciSchema.envVar)) || (ciRaw !== undefined && raw(t) === ciRaw));
    return {
        target: probe.target,
        ciSchema: d.ciSchema,
        profileTargets: d.profile.targets.map((t) => ({
            name: t.name,
            schema: t.schema ?? probe.rendered[t.name],
            followsCiSchema: follows(t)
        })),
        profilePath: d.profile.path,
        manifest: probe.manifest,
        wholeManifest: probe.wholeManifest,
        baselines: d.baselines,
        schemas: probe.schemas
    };
}
function quoted(schemas) {
    return schemas.map((s) => `'${s}'`).join(', ');
}
function sayProven(d, evidence, schemas) {
    const envs = evidence.baselines.filter((b) => b.manifest).map((b) => b.env);
    d.log.info(`Safety check passed: dbt writes only to ${quoted(schemas)} (target '${evidence.target.name}'), none of them a schema of ` +
        `${envs.length ? `the ${envs.join(' or ')} baseline, ` : ''}another profile target, a source or the warehouse itself.`);
}
/**
 * Before the build: proves every schema dbt will write to, runs the plan's check, drops the run's own schemas when
 * asked (only those proven owned), then creates the CI schema and those derived from it with the
 * ownership marker, so the drop at the end has its proof.
 */
async function prepareBuildSchemas(d, plan) {
    const evidence = await gatherEvidence(d);
    sayProven(d, evidence, proveWritable(evidence));
    plan.check?.(evidence);
    if (!d.ciSchema)
        return evidence;
    let absent = evidence.schemas.filter((s) => !s.exists).map((s) => s.schema);
    if (plan.cleanSlate) {
        const dropped = await dropProven(d, evidence, 'drop-before');
        absent = [...absent, ...dropped];
    }
    const owned = ciOwnedSchemas(d.ciSchema.name, evidence.manifest);
    const toClaim = owned.filter((s) => absent.some((a) => a.toLowerCase() === s.toLowerCase()));
    if (plan.claim && toClaim.length > 0) {
        await claimSchemas(d.runner, toClaim, d.owner, d.now());
        d.log.info(`Created ${quoted(toClaim)} with the action's ownership marker (repository, project and pull request or run).`);
    }
    return evidence;
}
async function dropProven(d, evidence, step) {
    const drop = proveDroppable(evidence, d.owner);
    if (drop.length === 0) {
        d.log.info(`Nothing to drop: ${d.ciSchema ? `'${d.ciSchema.name}'` : 'the CI schema'} does not exist.`);
        return [];
    }
    await dropSchemas(d.runner, step, drop);
    d.log.info(`Dropped ${quoted(drop)}.`);
    return drop;
}
/** Drops the run's own schemas after asking dbt afresh what exists and who made it. */
async function dropOwnedSchemas(d, step) {
    return dropProven(d, await gatherEvidence(d), step);
}

/**
 * The build mode: find the deferred environment's baseline, prove the schemas dbt will write
 * to, run the slim build, publish the report, and drop the run's own schemas when asked.
 */
/** Step: find the deferred environment's baseline (or decide on a full build). */
async function findBaseline(settings, services, facts) {
    const outcome = await obtainBaseline(settings.baseline, facts.source, {
        stateDir: facts.dirs.stateDir,
        project: { name: facts.project.name, targetDir: facts.project.targetDir },
        log: services.log,
        readJson: services.files.readJson
    });
    setBaselineOutputs(services, outcome, facts.dirs.stateDir, settings.dbt.defer);
    return outcome;
}
function setBaselineOutputs(services, outcome, stateDir, defer) {
    const b = outcome.kind === 'found' ? outcome.baseline : undefined;
    services.outputs.set(Output.DeferredEnv, b && defer ? b.env : '');
    services.outputs.set(Output.BaselineSource, b?.source ?? '');
    services.outputs.set(Output.BaselineRunId, b?.runId ?? '');
    services.outputs.set(Output.BaselineRunUrl, b?.runUrl ?? '');
    services.outputs.set(Output.BaselineSha, b?.sha ?? '');
    services.outputs.set(Output.BaselineGeneratedAt, b?.generatedAt ?? '');
    services.outputs.set(Output.BuiltAll, outcome.kind === 'none');
    services.outputs.set(Output.StatePath, b ? stateDir : '');
    if (outcome.kind === 'none') {
        services.log.warning(`No ${outcome.env} baseline was found, so everything is built without defer (if-no-baseline: build-all). Searched:\n` +
            outcome.searched.map((line) => `  - ${line}`).join('\n'));
    }
}
/**
 * Step, before dbt reads the baseline and before any schema is dropped or created: the dbt that
 * wrote the baseline against this run's (as the safety step's parse recorded it). A newer
 * baseline is refused; another engine is a warning.
 */
function checkDbtVersions(settings, services, outcome, ciManifest) {
    if (outcome.kind !== 'found')
        return;
    const mix = versionMix(outcome.baseline.env, outcome.baseline.dbtVersion, ciManifest.metadata?.dbt_version ?? undefined);
    if (mix.kind === 'newer-baseline') {
        throw new ActionError(`${mix.message} (input 'dbt-executable': '${settings.dbt.executable}')`, { input: 'dbt-executable' });
    }
    if (mix.kind === 'other-engine')
        services.log.warning(mix.message);
    if (mix.kind === 'older-baseline')
        services.log.info(mix.message);
}
/** Whether `dbt deps` runs: the project declares packages that are not installed (or deps is always/never). */
function needsDeps(settings, facts) {
    const { deps } = settings.dbt;
    return deps === 'always' || (deps === 'auto' && facts.project.packagesMissing);
}
/** Step: `dbt deps` when the project declares packages that are not installed (or always/never). */
async function installPackages(settings, facts) {
    if (!needsDeps(settings, facts))
        return;
    const { exit } = await facts.runner.step('deps', buildDepsArgs());
    if (exit.exitCode !== 0) {
        const why = exit.signal ? describeSignal(exit.signal) : `exit ${exit.exitCode}`;
        throw new DbtFailedError(exit.exitCode, `dbt deps failed (${why}): the project's packages could not be installed. Last lines dbt printed:\n${exit.output.slice(-2e3)}`);
    }
}
/**
 * Step: clone the modified incremental models the build selects from the baseline, so they
 * build incrementally. Returns the nodes it cloned (the report labels refs to them as clones).
 */
async function cloneIncrementals(settings, services, facts, outcome) {
    if (!settings.dbt.cloneIncremental || outcome.kind !== 'found')
        return new Set();
    const args = buildCloneArgs(settings.dbt, facts.dirs.stateDir);
    if (!args) {
        services.log.warning("clone-incremental is on, but the build selects through the YAML selector 'selector', which a clone cannot intersect with: nothing is cloned.");
        return new Set();
    }
    const { exit, targetDir } = await facts.runner.step('clone', args);
    if (exit.exitCode !== 0) {
        services.log.warning(`dbt clone of modified incremental models failed (exit ${exit.exitCode}); they will be built in full.`);
    }
    const { runResults } = await readRunArtifacts(targetDir, services.files.readJson);
    return new Set((runResults?.results ?? []).filter((r) => r.status === 'success').map((r) => r.unique_id));
}
/** Step: the main dbt command, then its artifacts (from the step's own target directory). */
async function runDbt(settings, services, facts, outcome) {
    const state = outcome.kind === 'found' ? { kind: 'baseline', stateDir: facts.dirs.stateDir } : { kind: 'build-all' };
    const startedAt = services.now();
    const { exit, targetDir } = await facts.runner.step('build', buildDbtArgs(settings.dbt, state));
    const artifacts = await readRunArtifacts(targetDir, services.files.readJson);
    for (const problem of artifacts.problems)
        services.log.warning(problem);
    services.outputs.set(Output.Success, exit.exitCode === 0);
    services.outputs.set(Output.SelectedCount, artifacts.runResults?.results.length ?? 0);
    services.outputs.set(Output.RunResultsPath, artifacts.runResults ? artifacts.runResultsPath : '');
    services.outputs.set(Output.ManifestPath, artifacts.manifest ? artifacts.manifestPath : '');
    return { exit, artifacts, startedAt, targetDir };
}
/** The run's parse cache, when `parse-cache` is on; its restored file seeds the first dbt step. */
async function restoreParseCache(settings, services, facts) {
    if (!settings.dbt.parseCache)
        return undefined;
    const cache = parseCache({
        store: services.cache,
        log: services.log,
        dir: facts.dirs.parseCacheDir,
        holdsSecret: services.holdsSecret,
        scope: {
            projectKey: facts.dirs.projectKey,
            target: settings.dbt.target,
            pr: facts.pr.number,
            branch: settings.context.branch,
            runId: settings.context.runId ? `${settings.context.runId}-${settings.context.runAttempt ?? '1'}` : undefined,
            perPrSchema: facts.ciSchema !== undefined
        }
    });
    const seed = await cache.restore();
    if (seed)
        facts.runner.startFrom(seed);
    return cache;
}
/** Commands after which the CI relations hold this run's data. */
const WRITING_COMMANDS = new Set(['build', 'run', 'seed', 'snapshot']);
/** Why the data is not compared, or undefined when it is. */
function whyNoComparison(settings, outcome, run) {
    if (!settings.compare.enabled)
        return 'compare is false';
    if (outcome.kind !== 'found' || !settings.dbt.defer)
        return 'there is no deferred environment to compare with';
    if (!WRITING_COMMANDS.has(settings.dbt.command))
        return `dbt ${settings.dbt.command} writes no relations`;
    if (!run.artifacts.runResults || !run.artifacts.manifest)
        return "dbt's artifacts of the build are missing";
    return undefined;
}
function setDataOutputs(services, changes) {
    const t = changes?.totals;
    services.outputs.set(Output.DataModelsCompared, t ? t.models - t.failed : 0);
    services.outputs.set(Output.DataColumnsAdded, t?.columns_added ?? 0);
    services.outputs.set(Output.DataColumnsRemoved, t?.columns_removed ?? 0);
    services.outputs.set(Output.DataColumnsTypeChanged, t?.columns_type_changed ?? 0);
    services.outputs.set(Output.DataRowsChanged, t?.rows_changed ?? 0);
    services.outputs.set(Output.DataCompareWarnings, changes?.warnings.length ?? 0);
}
/**
 * Step: compare the data the build wrote with the deferred environment's. Best effort: a
 * failure is a warning in the report and the job log, never the build's result.
 */
async function compareWithDeferred(settings, services, facts, outcome, run) {
    const why = whyNoComparison(settings, outcome, run);
    if (why || outcome.kind !== 'found') {
        services.log.info(`No data comparison: ${why}.`);
        setDataOutputs(services, null);
        return null;
    }
    const env = outcome.baseline.env;
    const input = { runResults: run.artifacts.runResults, manifest: run.artifacts.manifest, baseline: outcome.baseline.manifest, env };
    let changes;
    try {
        changes = await compareData(settings.compare, input, { runner: facts.runner, readJson: services.files.readJson });
    }
    catch (error) {
        changes = brokenComparison(env, error);
    }
    changes.warnings.forEach((w) => services.log.warning(w));
    setDataOutputs(services, changes);
    return changes;
}
/** Explains dbt's exit status. */
function explainExit(exit, command) {
    if (exit.signal) {
        return `dbt ${command} did not finish: ${describeSignal(exit.signal)} (exit ${exit.exitCode}). Its last lines:\n${exit.output.split('\n').slice(-15).join('\n')}`;
    }
    if (exit.exitCode === 1) {
        return `dbt ${command} finished with failures (exit 1): some nodes errored or some tests failed. The summary lists them.`;
    }
    const last = exit.output.split('\n').slice(-15).join('\n');
    return (`dbt ${command} could not run (exit ${exit.exitCode}): an invalid argument, project, profile or connection. ` +
        `The dbt log above says why; its last lines:\n${last}`);
}
/** Warnings where dbt's semantics surprise users; the flags are passed as configured all the same. */
function semanticsWarnings(dbt) {
    const warnings = [];
    if (dbt.favorState && !dbt.defer)
        warnings.push('favor-state is set but defer is false: dbt ignores --favor-state without --defer.');
    if (dbt.favorState && dbt.defer && dbt.command === 'test') {
        warnings.push("command 'test' with favor-state: dbt test counts only tests as selected, so every model ref, even to a model the PR changed, " +
            'resolves to the deferred environment. Use command: build to test the CI build of changed models.');
    }
    if (dbt.defer && dbt.command === 'seed')
        warnings.push("command 'seed': seeds read no refs, so defer changes nothing for this command.");
    return warnings;
}
/** Facts about the invocation for the report. */
function runInfo(settings, services, facts, outcome, exit, startedAt) {
    const { dbt, context } = settings;
    const b = outcome.kind === 'found' ? outcome.baseline : undefined;
    return {
        command: dbt.command,
        select: dbt.selector ? [] : dbt.select,
        exclude: dbt.exclude,
        selector: dbt.selector,
        defer: Boolean(b) && dbt.defer,
        favorState: Boolean(b) && dbt.defer && dbt.favorState,
        deferredEnv: b && dbt.defer ? b.env : null,
        baseline: b
            ? { source: b.source, runId: b.runId, runUrl: b.runUrl, sha: b.sha, generatedAt: b.generatedAt, location: b.location }
            : null,
        builtAll: outcome.kind === 'none',
        success: exit.exitCode === 0,
        elapsed: (services.now().getTime() - startedAt.getTime()) / 1000,
        repository: context.repository || undefined,
        serverUrl: context.serverUrl,
        headSha: facts.pr.headSha ?? context.sha,
        projectDir: facts.dirs.projectPath,
        now: services.now()
    };
}
function jobSummaryUrl(settings) {
    const { serverUrl, repository, runId } = settings.context;
    return repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined;
}
/** Step, before the build: ask dbt which part of state:modified fires for which node, and git how far the baseline lags. */
async function askWhySelected(settings, services, facts, outcome) {
    if (!settings.selection.explain || outcome.kind !== 'found')
        return undefined;
    return gatherSelection({
        dbt: settings.dbt,
        env: facts.env,
        process: services.program,
        runner: facts.runner,
        stateDir: facts.dirs.stateDir,
        git: gitIn(settings.context.workspace, facts.env),
        commits: {
            baselineSha: baselineCommit(outcome.baseline.sha, outcome.baseline.manifest),
            baseSha: payloadPullRequest(services.event)?.base?.sha,
            headSha: facts.pr.headSha ?? payloadPullRequest(services.event)?.head?.sha,
            repository: settings.context.repository || undefined,
            serverUrl: settings.context.serverUrl
        },
        log: services.log
    });
}
/** With exclude-lagging: the build's settings with the nodes selected only because of the baseline's lag excluded. */
function withLagExcluded(settings, services, facts, why, manifest) {
    // The probe keeps its manifest whole when exclude-lagging is on (run/prepare.ts).
    if (!settings.selection.excludeLagging || !why || !manifest)
        return settings;
    const lagging = lagOnlyBeforeBuild(why, manifest, facts.dirs.projectPath);
    if (lagging.length === 0)
        return settings;
    services.log.info(`exclude-lagging: leaving out ${lagging.length} nodes selected only because the baseline lags the pull request: ${lagging.join(', ')}.`);
    return { ...settings, dbt: { ...settings.dbt, exclude: [...settings.dbt.exclude, ...lagging] } };
}
/** Step, after the build: why each node the build ran was selected, and what lies downstream. */
async function explainWhySelected(settings, services, facts, outcome, why, run) {
    const manifest = run.artifacts.manifest;
    if (!why || outcome.kind !== 'found' || !manifest)
        return null;
    try {
        const selection = await explainAfterBuild(why, {
            git: gitIn(settings.context.workspace, facts.env),
            selected: (run.artifacts.runResults?.results ?? []).map((r) => r.unique_id),
            current: manifest,
            baseline: outcome.baseline.manifest,
            projectPath: facts.dirs.projectPath
        });
        if (!selection)
            return null;
        const s = selection.section;
        services.outputs.set(Output.LagOnlyCount, s.lag.known ? s.lag.lag_only.length : '');
        services.outputs.set(Output.DownstreamCount, Object.values(s.downstream).reduce((a, b) => a + b, 0));
        return s;
    }
    catch (error) {
        services.log.warning(`Could not explain why each node was selected: ${messageOf(error)}. The report leaves it out.`);
        return null;
    }
}
/** Step: the report. Best effort: a failure to publish is a warning, and the build's result alone decides the step. */
async function report(settings, services, facts, outcome, run, cloned, dataChanges, selection) {
    try {
        await publishReport({
            info: runInfo(settings, services, facts, outcome, run.exit, run.startedAt),
            baseline: outcome.kind === 'found' ? outcome.baseline.manifest : null,
            artifacts: run.artifacts,
            exitCode: run.exit.exitCode,
            reportDir: facts.dirs.reportDir,
            commentMarker: `dbt-defer-action:${facts.dirs.projectKey}`,
            pr: facts.pr,
            comment: settings.report.comment,
            summaryUrl: jobSummaryUrl(settings),
            cloned,
            dataChanges,
            selection
        }, services);
    }
    catch (error) {
        services.log.warning(`The report could not be published in full: ${messageOf(error)}. The build's result stands.`);
    }
}
/** Step: with clean-slate, drop the run's own schemas after the build, whatever happened before. */
async function dropAfter(settings, services, safety) {
    if (!settings.ciSchema.cleanSlate || !safety.ciSchema)
        return;
    services.log.info('clean-slate: dropping the CI schema after the build.');
    await dropOwnedSchemas(safety, 'drop-after');
}
/** The build mode: baseline, safety check, slim build, report. */
async function build(settings, services) {
    semanticsWarnings(settings.dbt).forEach((w) => services.log.warning(w));
    const facts = await prepareRun(settings, services);
    // dbt's Python starts while the baseline is fetched, unless `dbt deps` runs first.
    if (!needsDeps(settings, facts))
        services.dbt.warm?.({ cwd: settings.dbt.projectDir, env: facts.env });
    const outcome = await findBaseline(settings, services, facts);
    const safety = await safetyDeps(settings, services, facts, await gatherBaselineEvidence(settings, services, facts, outcome));
    const parse = await restoreParseCache(settings, services, facts);
    await installPackages(settings, facts);
    if (settings.ciSchema.cleanSlate && !facts.ciSchema)
        services.log.warning("clean-slate is on but 'ci-schema' is empty, so there is no CI schema to drop.");
    if (settings.ciSchema.cleanSlate && facts.ciSchema)
        services.log.info('clean-slate: dropping the CI schema before the build.');
    const writes = settings.dbt.command !== 'compile' || settings.dbt.cloneIncremental;
    const evidence = await prepareBuildSchemas(safety, {
        cleanSlate: settings.ciSchema.cleanSlate,
        claim: writes,
        check: (e) => checkDbtVersions(settings, services, outcome, e.manifest)
    });
    let exit;
    try {
        const why = await askWhySelected(settings, services, facts, outcome);
        const built = withLagExcluded(settings, services, facts, why, evidence.wholeManifest);
        const cloned = await cloneIncrementals(built, services, facts, outcome);
        const run = await runDbt(built, services, facts, outcome);
        await parse?.save(run.targetDir);
        exit = run.exit;
        const dataChanges = await compareWithDeferred(built, services, facts, outcome, run);
        const selection = await explainWhySelected(settings, services, facts, outcome, why, run);
        await report(built, services, facts, outcome, run, cloned, dataChanges, selection);
    }
    finally {
        await dropAfter(settings, services, safety);
    }
    if (exit.exitCode !== 0)
        throw new DbtFailedError(exit.exitCode, explainExit(exit, settings.dbt.command));
}

var build$1 = /*#__PURE__*/Object.freeze({
    __proto__: null,
    build: build,
    checkDbtVersions: checkDbtVersions,
    explainExit: explainExit,
    installPackages: installPackages,
    semanticsWarnings: semanticsWarnings
});

export { build$1 as b, dropOwnedSchemas as d, gatherBaselineEvidence as g, installPackages as i, prepareRun as p, safetyDeps as s };
