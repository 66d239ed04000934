import { openSync, closeSync, readSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { isAbsolute, resolve, join, delimiter } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { j as which, S as SetupError } from './index-errors-DKQXuDqI.js';

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
/**
 * What nothing in the action reads, by manifest section: the SQL dbt parsed and compiled (the
 * analysis reads the compiled SQL from run_results.json and target/, never from a manifest) and
 * the documentation. run_results.json has none of these sections, so it is read whole.
 */
const UNREAD_FIELDS = {
    nodes: ['raw_code', 'compiled_code', 'description', 'doc_blocks'],
    sources: ['description', 'source_description', 'doc_blocks'],
    macros: ['description'],
    docs: ['block_contents'],
    unit_tests: ['description'],
    exposures: ['description'],
    metrics: ['description'],
    semantic_models: ['description'],
    saved_queries: ['description']
};
/** Bytes read from the file at a time. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/**
 * Parses the file's JSON, leaving out the `unread` fields of each section's entries. Rejects
 * with the file system's error, or a SyntaxError that names the problem and its byte offset.
 */
async function readJsonFile(path, unread = UNREAD_FIELDS, chunkBytes = CHUNK_BYTES) {
    const fd = openSync(path, 'r');
    try {
        return new Scanner(fd, chunkBytes, path).document(unread);
    }
    finally {
        closeSync(fd);
    }
}
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
/** What a scan returns when the value goes on past the bytes held. */
const MORE = -1;
/** What a scan returns at a byte that cannot be there; {@link wrongAt} is its index. */
const WRONG = -2;
let wrongAt = 0;
function isSpace(c) {
    return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
function spaceEnd(buf, i, len) {
    while (i < len && isSpace(buf[i]))
        i++;
    return i;
}
/** The index after the string whose contents start at i, or MORE. */
function stringEnd(buf, i, len) {
    // Most strings are short: a byte loop beats a call into indexOf for them.
    const stop = Math.min(len, i + 32);
    for (; i < stop; i++) {
        const b = buf[i];
        if (b === QUOTE)
            return i + 1;
        if (b === BACKSLASH)
            i++;
    }
    if (i >= len)
        return MORE;
    for (;;) {
        const q = buf.indexOf(QUOTE, i);
        if (q < 0 || q >= len)
            return MORE;
        let slashes = 0;
        while (buf[q - 1 - slashes] === BACKSLASH)
            slashes++;
        if ((slashes & 1) === 0)
            return q + 1;
        i = q + 1;
    }
}
/** The index after the value starting at i (checking only that brackets and strings close), MORE or WRONG. */
function valueEnd(buf, i, len) {
    const c = buf[i];
    if (c === QUOTE)
        return stringEnd(buf, i + 1, len);
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        let depth = 0;
        while (i < len) {
            const b = buf[i];
            if (b === QUOTE) {
                i = stringEnd(buf, i + 1, len);
                if (i < 0)
                    return MORE;
                continue;
            }
            if (b === OPEN_OBJECT || b === OPEN_ARRAY)
                depth++;
            else if ((b === CLOSE_OBJECT || b === CLOSE_ARRAY) && --depth === 0)
                return i + 1;
            i++;
        }
        return MORE;
    }
    if (c === CLOSE_OBJECT || c === CLOSE_ARRAY || c === COMMA || c === COLON) {
        wrongAt = i;
        return WRONG;
    }
    // A number, true, false or null: up to the next delimiter; JSON.parse judges it if kept.
    while (i < len) {
        const b = buf[i];
        if (b === COMMA || b === CLOSE_OBJECT || b === CLOSE_ARRAY || isSpace(b))
            return i;
        i++;
    }
    return MORE;
}
function isUnread(buf, from, to, unread) {
    const length = to - from;
    for (const key of unread) {
        if (key.length !== length)
            continue;
        let i = 1;
        while (i < length && key[i] === buf[from + i])
            i++;
        if (i === length)
            return true;
    }
    return false;
}
/**
 * Walks the object starting at i, pushing onto `blank` the [from, to) of the bytes to blank out
 * so that what is left is the object without its `unread` members: such a member with the comma
 * after it, or the last one with the comma before it. The index after the object, MORE or WRONG.
 */
function entryEnd(buf, i, len, unread, blank) {
    blank.length = 0;
    let keptEnd = i + 1;
    i = spaceEnd(buf, i + 1, len);
    if (i >= len)
        return MORE;
    if (buf[i] === CLOSE_OBJECT)
        return i + 1;
    for (;;) {
        i = spaceEnd(buf, i, len);
        if (i >= len)
            return MORE;
        if (buf[i] !== QUOTE)
            return wrong(i);
        const keyStart = i;
        i = stringEnd(buf, i + 1, len);
        if (i < 0)
            return MORE;
        const keyEnd = i;
        i = spaceEnd(buf, i, len);
        if (i >= len)
            return MORE;
        if (buf[i] !== COLON)
            return wrong(i);
        i = spaceEnd(buf, i + 1, len);
        if (i >= len)
            return MORE;
        i = valueEnd(buf, i, len);
        if (i < 0)
            return i;
        const left = isUnread(buf, keyStart, keyEnd, unread);
        if (!left)
            keptEnd = i;
        const valueStop = i;
        i = spaceEnd(buf, i, len);
        if (i >= len)
            return MORE;
        const c = buf[i];
        if (c === CLOSE_OBJECT) {
            if (left)
                blank.push(keptEnd, valueStop);
            return i + 1;
        }
        if (c !== COMMA)
            return wrong(i);
        i++;
        if (left)
            blank.push(keyStart, i);
    }
}
function wrong(i) {
    wrongAt = i;
    return WRONG;
}
/** A window on the file; the bytes from pos on stay in it while more are read. */
class Scanner {
    fd;
    path;
    buf;
    len = 0;
    /** The file offset of buf[0]. */
    base = 0;
    pos = 0;
    eof = false;
    blank = [];
    /** The unread keys of the section being read, for {@link entryScan}. */
    unread = [];
    // The scans, made once: a closure made per call would be garbage per entry.
    keyScan = (buf, i, len) => stringEnd(buf, i + 1, len);
    entryScan = (buf, i, len) => entryEnd(buf, i, len, this.unread, this.blank);
    constructor(fd, chunkBytes, path) {
        this.fd = fd;
        this.path = path;
        this.buf = Buffer.allocUnsafe(Math.max(16, chunkBytes));
    }
    document(unread) {
        this.space();
        let value;
        if (this.at() === OPEN_OBJECT) {
            const top = {};
            this.members((key) => {
                const c = this.at();
                if (c === OPEN_OBJECT)
                    return this.section(Object.hasOwn(unread, key) ? unread[key].map((k) => Buffer.from(JSON.stringify(k))) : undefined);
                if (c === OPEN_ARRAY)
                    return this.list();
                return this.whole();
            }, top);
            value = top;
        }
        else {
            value = this.whole();
        }
        this.space();
        if (this.pos < this.len || this.fill())
            this.fail(`Unexpected ${this.shown()} after the JSON value`);
        return value;
    }
    /** An object whose entries are parsed one by one, each without the `unread` fields. */
    section(unread) {
        const out = {};
        this.members(() => (unread && this.at() === OPEN_OBJECT ? this.entry(unread) : this.whole()), out);
        return out;
    }
    /** An array whose elements are parsed one by one. */
    list() {
        const out = [];
        this.pos++;
        this.space();
        if (this.at() === CLOSE_ARRAY) {
            this.pos++;
            return out;
        }
        for (;;) {
            this.space();
            out.push(this.whole());
            this.space();
            const c = this.at();
            if (c === CLOSE_ARRAY) {
                this.pos++;
                return out;
            }
            if (c !== COMMA)
                this.fail(`Expected ',' or ']' but found ${this.shown(c)}`);
            this.pos++;
        }
    }
    /** Calls `value` for each member of the object at pos, storing what it returns under the key. */
    members(value, out) {
        this.pos++;
        this.space();
        if (this.at() === CLOSE_OBJECT) {
            this.pos++;
            return;
        }
        for (;;) {
            this.space();
            if (this.at() !== QUOTE)
                this.fail(`Expected a key in double quotes but found ${this.shown()}`);
            const key = this.key();
            this.space();
            if (this.at() !== COLON)
                this.fail(`Expected ':' but found ${this.shown()}`);
            this.pos++;
            this.space();
            this.at();
            set(out, key, value(key));
            this.space();
            const c = this.at();
            if (c === CLOSE_OBJECT) {
                this.pos++;
                return;
            }
            if (c !== COMMA)
                this.fail(`Expected ',' or '}' but found ${this.shown(c)}`);
            this.pos++;
        }
    }
    /** The object at pos, parsed without its `unread` members. */
    entry(unread) {
        this.unread = unread;
        const end = this.scan(this.entryScan);
        const blank = this.blank;
        for (let r = 0; r < blank.length; r += 2)
            this.buf.fill(0x20, blank[r], blank[r + 1]);
        const startAt = this.base + this.pos;
        const text = this.buf.toString('utf8', this.pos, end);
        this.pos = end;
        return this.parse(text, startAt);
    }
    /** The value at pos, parsed whole. */
    whole() {
        const end = this.scan(valueEnd, true);
        const startAt = this.base + this.pos;
        const text = this.buf.toString('utf8', this.pos, end);
        this.pos = end;
        return this.parse(text, startAt);
    }
    key() {
        const end = this.scan(this.keyScan);
        let escaped = false;
        for (let i = this.pos + 1; i < end - 1 && !escaped; i++)
            escaped = this.buf[i] === BACKSLASH;
        const key = escaped
            ? this.parse(this.buf.toString('utf8', this.pos, end), this.base + this.pos)
            : this.buf.toString('utf8', this.pos + 1, end - 1);
        this.pos = end;
        return key;
    }
    /**
     * Where the value at pos ends, by `find`, reading more of the file until it is all held. At the
     * end of the file a value still open is an error, except a number or literal when `last` may be.
     */
    scan(find, last = false) {
        for (;;) {
            const end = find(this.buf, this.pos, this.len);
            if (end >= 0)
                return end;
            if (end === WRONG) {
                this.pos = wrongAt;
                this.fail(`Unexpected ${this.shown()}`);
            }
            if (!this.fill()) {
                const c = this.buf[this.pos];
                if (last && c !== QUOTE && c !== OPEN_OBJECT && c !== OPEN_ARRAY)
                    return this.len;
                this.fail('Unexpected end of JSON input');
            }
        }
    }
    /** The byte at pos, reading more when the window is used up; fails at the end of the file. */
    at() {
        if (this.pos >= this.len && !this.fill())
            this.fail('Unexpected end of JSON input');
        return this.buf[this.pos];
    }
    space() {
        for (;;) {
            this.pos = spaceEnd(this.buf, this.pos, this.len);
            if (this.pos < this.len || !this.fill())
                return;
        }
    }
    /**
     * Reads more of the file after the bytes held; false at its end. The bytes before pos are
     * dropped first; the window doubles when the bytes from pos on fill it.
     */
    fill() {
        if (this.eof)
            return false;
        if (this.pos > 0) {
            this.buf.copy(this.buf, 0, this.pos, this.len);
            this.len -= this.pos;
            this.base += this.pos;
            this.pos = 0;
        }
        if (this.len === this.buf.length) {
            const bigger = Buffer.allocUnsafe(this.buf.length * 2);
            this.buf.copy(bigger, 0, 0, this.len);
            this.buf = bigger;
        }
        const read = readSync(this.fd, this.buf, this.len, this.buf.length - this.len, this.base + this.len);
        if (read === 0) {
            this.eof = true;
            return false;
        }
        this.len += read;
        return true;
    }
    parse(text, at) {
        try {
            return JSON.parse(text);
        }
        catch (error) {
            throw new SyntaxError(`${error.message} (in the value at byte ${at} of ${this.path})`, { cause: error });
        }
    }
    shown(c = this.buf[this.pos]) {
        return this.pos < this.len ? `'${String.fromCharCode(c)}'` : 'the end of the input';
    }
    fail(message) {
        throw new SyntaxError(`${message} at byte ${this.base + this.pos} of ${this.path}`);
    }
}
/** obj[key] = value, where a key named __proto__ is an own property as JSON.parse makes it. */
function set(out, key, value) {
    if (key === '__proto__')
        Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
    else
        out[key] = value;
}

/**
 * Running dbt: an argv array, no shell, the executable resolved with @actions/io, an explicit
 * working directory. It is started with Node's spawn rather than @actions/exec because exec
 * reports only an exit code (its exit and close handlers drop the signal), and the action must
 * say which signal killed dbt. Output is printed line by line through the run's scrubber.
 */
const KEPT_LINES = 200;
/** How long to wait for dbt's output streams to close after it exited (a child of dbt may hold them). */
const STREAMS_GRACE_MS = 10_000;
/** Why a signal may have killed dbt, by signal. */
const SIGNAL_CAUSES = {
    SIGKILL: 'killed by SIGKILL (out of memory or cancelled?)',
    SIGTERM: 'stopped by SIGTERM (the job was cancelled or timed out?)',
    SIGINT: 'interrupted by SIGINT (the job was cancelled?)',
    SIGSEGV: 'crashed with SIGSEGV (a fault in Python or in a native library of the adapter)',
    SIGABRT: 'aborted with SIGABRT (a fault in Python or in a native library of the adapter)'
};
/** Explains the signal that killed dbt, e.g. `dbt was killed by SIGKILL (out of memory or cancelled?)`. */
function describeSignal(signal) {
    return `dbt was ${SIGNAL_CAUSES[signal] ?? `killed by ${signal}`}`;
}
/** Keeps the last lines of dbt's output. */
function tail(limit) {
    const lines = [];
    return {
        push(line) {
            lines.push(line);
            if (lines.length > limit)
                lines.splice(0, lines.length - limit);
        },
        text: () => lines.join('\n').trim()
    };
}
/**
 * Cuts one output stream into whole lines (UTF-8 decoded across chunks), so that a secret
 * written in two pieces is scrubbed as one line and never printed half by half.
 */
function lineSplitter(onLine) {
    const decoder = new StringDecoder('utf8');
    let partial = '';
    return {
        push(chunk) {
            const lines = (partial + decoder.write(chunk)).split('\n');
            partial = lines.pop() ?? '';
            for (const line of lines)
                onLine(line);
        },
        end() {
            const rest = partial + decoder.end();
            partial = '';
            if (rest)
                onLine(rest);
        }
    };
}
/** A path (rather than a name looked up on PATH); a relative one is taken from the workspace. */
function asPath(executable) {
    if (isAbsolute(executable))
        return executable;
    return /[\\/]/.test(executable) ? resolve(executable) : undefined;
}
function inspect(path) {
    try {
        return statSync(path).isDirectory() ? 'directory' : 'not-executable';
    }
    catch {
        return 'missing';
    }
}
/** The first entry named `name` in the directories of PATH, whatever it is. */
function onPath(name, env) {
    const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter(Boolean);
    return dirs.map((dir) => join(dir, name)).find((candidate) => inspect(candidate) !== 'missing');
}
/** Why `executable` could not be used, and what to do. */
function unusable(executable, env) {
    const path = asPath(executable);
    const candidate = path ?? onPath(executable, env);
    const found = candidate ? inspect(candidate) : 'missing';
    const where = candidate && candidate !== executable ? ` (${candidate})` : '';
    if (found === 'directory') {
        return new SetupError(`The dbt executable '${executable}'${where} is a directory, not a program. ` +
            `Set the input 'dbt-executable' to the dbt program itself, e.g. '${join(executable, 'bin', 'dbt')}' for a virtualenv, or leave it empty to use dbt on PATH.`, { input: 'dbt-executable' });
    }
    if (found === 'not-executable') {
        return new SetupError(`The dbt executable '${executable}'${where} exists but is not executable. ` +
            `Make it executable ('chmod +x ${candidate}') in an earlier step, or point the input 'dbt-executable' at the right file (e.g. the virtualenv's bin/dbt).`, { input: 'dbt-executable' });
    }
    return new SetupError(`The dbt executable '${executable}' was not found${path ? (where ? ` at ${path}` : '') : ' on PATH'}. ` +
        `Install dbt and your adapter in an earlier step (e.g. 'pip install dbt-core dbt-postgres'), or set the input 'dbt-executable' to its path.`, { input: 'dbt-executable' });
}
/** Finds the dbt executable (a path, or a name on PATH), failing with what to do when it is not there. */
async function locate(executable, env) {
    const found = await which(asPath(executable) ?? executable, false);
    if (!found)
        throw unusable(executable, env);
    return found;
}
/** A failure to start a program that was found: its interpreter is missing, or the system refused. */
function startFailure(binary, error) {
    const hint = error.code === 'ENOENT'
        ? 'If it is a script, the interpreter on its first line (#!) is missing, e.g. a virtualenv made at another path: create the virtualenv in this job.'
        : error.code === 'EACCES'
            ? 'The system refused to run it: check that its file system is not mounted noexec and that its directories may be searched.'
            : 'Check that it is a program for this runner.';
    return new SetupError(`The dbt executable '${binary}' could not be started (${error.message}). ${hint}`, { input: 'dbt-executable' });
}
/** dbt's exit as {@link DbtExit} numbers: a signal becomes 128 + its number, as shells report it. */
function exitOf(code, signal) {
    if (code !== null)
        return { exitCode: code };
    const name = signal ?? 'SIGKILL';
    return { exitCode: 128 + (constants.signals[name] ?? 0), signal: name };
}
/** Spawns the program and feeds its two streams to their splitters until it has exited and they closed. */
function spawnAndWait(binary, args, opts, streams) {
    return new Promise((settle, fail) => {
        const child = spawn(binary, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.on('data', (chunk) => streams.stdout.push(chunk));
        child.stderr.on('data', (chunk) => streams.stderr.push(chunk));
        let grace;
        const finish = (code, signal) => {
            clearTimeout(grace);
            streams.stdout.end();
            streams.stderr.end();
            settle(exitOf(code, signal));
        };
        child.on('error', (error) => fail(startFailure(binary, error)));
        child.on('exit', () => (grace = setTimeout(() => finish(child.exitCode, child.signalCode), STREAMS_GRACE_MS)));
        child.on('close', finish);
    });
}
/** Refuses a working directory that is not there before anything is spawned (spawn would blame dbt). */
function checkCwd(cwd) {
    if (inspect(cwd) !== 'directory') {
        throw new SetupError(`dbt cannot run in '${cwd}': no such directory. Check the input 'project-dir'.`, { input: 'project-dir' });
    }
}
/**
 * The real dbt, spawned with an argv (no shell). dbt's stdout and stderr go to this process's
 * stdout (the job log) line by line, each line through `scrub`, and the last lines are kept
 * (scrubbed) in {@link DbtExit.output}; `show` replaces printing them (the command-line tool keeps
 * its own dbt steps quiet). A relative `executable` path is taken from the workspace (the
 * current directory).
 */
function execDbtProcess(executable, scrub = (text) => text, show = (line) => process.stdout.write(`${line}\n`)) {
    return {
        async run(args, opts) {
            const binary = await locate(executable, opts.env);
            checkCwd(opts.cwd);
            const kept = tail(KEPT_LINES);
            const print = (line) => {
                const clean = scrub(line);
                kept.push(clean);
                opts.onLine?.(clean);
                if (!opts.quiet)
                    show(clean);
            };
            const exit = await spawnAndWait(binary, args, opts, { stdout: lineSplitter(print), stderr: lineSplitter(print) });
            return { ...exit, output: kept.text() };
        }
    };
}

export { describeSignal as d, execDbtProcess as e, readJsonFile as r };
