/**
 * Secrets never leave the run. The action knows its secrets (tokens, the url-authorization
 * header, credentials and query strings inside URL inputs); every text it publishes (log lines,
 * step outputs, the job summary, report.json, summary.md, the PR comment, annotations, dbt's
 * streamed output) goes through one {@link Redactor} before it leaves the process. The runner's
 * own masking (core.setSecret) covers the job log only; this covers everything else too.
 */
/** What a secret is replaced with. */
const REDACTED = '***';
/** Secrets shorter than this are not scrubbed (they would blank out ordinary words). */
const MIN_SECRET_LENGTH = 4;
function forms(secret) {
    const json = JSON.stringify(secret).slice(1, -1);
    const variants = [secret, json, encodeURIComponent(secret)];
    // An Authorization header value is also worth scrubbing without its scheme.
    const scheme = /^(?:bearer|token|basic)\s+(\S.*)$/i.exec(secret);
    if (scheme)
        variants.push(scheme[1]);
    return variants.filter((v) => v.length >= MIN_SECRET_LENGTH);
}
/** A redactor for these secrets (empty and very short values are ignored). */
function createRedactor(secrets) {
    const all = new Set();
    for (const secret of secrets)
        if (secret)
            for (const form of forms(secret.trim()))
                all.add(form);
    const sorted = [...all].sort((a, b) => b.length - a.length);
    return {
        secrets: sorted,
        scrub: (text) => {
            let out = scrubUrls(text);
            for (const secret of sorted)
                if (out.includes(secret))
                    out = out.split(secret).join(REDACTED);
            return out;
        }
    };
}
/**
 * Credentials in URLs of a text, whether or not the action knew them: userinfo always, and the
 * values of query parameters whose names say they are secret (`token`, `sig`, `key`, ...):
 * `https://user:pass@host/p?token=x&page=2` becomes `https://***@host/p?token=***&page=2`.
 */
function scrubUrls(text) {
    return text
        .replace(/\b(https?:\/\/)[^\s/@'"<>`]+@/gi, `$1${REDACTED}@`)
        .replace(/([?&][^=&\s'"<>`]*(?:token|key|secret|sig|signature|password|passwd|auth|credential|code)[^=&\s'"<>`]*=)[^&\s#'"<>`]+/gi, `$1${REDACTED}`);
}
/**
 * The secrets inside a URL input: its password, username and every query value. Registered
 * with the runner and the redactor before any request is made.
 */
function secretsOfUrl(value) {
    if (!value)
        return [];
    let url;
    try {
        url = new URL(value);
    }
    catch {
        return [];
    }
    const found = [decodeURIComponent(url.password), decodeURIComponent(url.username)];
    for (const [, v] of url.searchParams)
        found.push(v);
    return found.filter((s) => s.length >= MIN_SECRET_LENGTH);
}
/** A URL for messages: no userinfo, and `?…` where a query string (often a signature) was. */
function displayUrl(url) {
    let u;
    try {
        u = typeof url === 'string' ? new URL(url) : url;
    }
    catch {
        return '(an invalid URL)';
    }
    return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
}

export { createRedactor as c, displayUrl as d, secretsOfUrl as s };
