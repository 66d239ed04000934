import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync, readFileSync } from 'node:fs';
import { x as which, S as SetupError } from './index-errors-CLcki1zy.js';
import { constants } from 'node:os';
import { isAbsolute, resolve, join, delimiter } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

/** dbt's flags that change how it parses the project and that take a value (`--vars '{x: 1}'`, `--vars={x: 1}`). */
const PARSE_VALUE_FLAGS = ['--vars', '--partial-parse-file-path', '--warn-error-options', '--v2-parser'];
/** dbt's switches that change how it parses the project. */
const PARSE_SWITCHES = [
    '--partial-parse',
    '--no-partial-parse',
    '--partial-parse-file-diff',
    '--no-partial-parse-file-diff',
    '--static-parser',
    '--no-static-parser',
    '--use-experimental-parser',
    '--no-use-experimental-parser',
    '--use-v2-parser',
    '--no-use-v2-parser',
    '--warn-error',
    '--show-all-deprecations',
    '--no-show-all-deprecations'
];
/** Whether an argument is one of dbt's flags that shape its parse (`--profile` is owned and refused earlier). */
function isParseFlag(arg) {
    const name = arg.split('=')[0];
    return PARSE_VALUE_FLAGS.includes(name) || PARSE_SWITCHES.includes(arg);
}
/**
 * Splits `extra-args` into the flags that shape dbt's parse of the project (`--vars` above all:
 * it changes what schemas and configs render to) and the rest, which only the main command gets.
 */
function splitParseFlags(extraArgs) {
    const parse = [];
    const rest = [];
    for (let i = 0; i < extraArgs.length; i++) {
        const arg = extraArgs[i];
        if (PARSE_VALUE_FLAGS.includes(arg) && i + 1 < extraArgs.length)
            parse.push(arg, extraArgs[++i]);
        else if (isParseFlag(arg))
            parse.push(arg);
        else
            rest.push(arg);
    }
    return { parse, rest };
}
/**
 * Flags shared by every dbt command the action runs: where the project, profiles and target are,
 * and the flags of `extra-args` that shape the parse. Every step parses the project as the main
 * command does, so the safety probe sees the schemas the build will write to, and the steps can
 * share one parse.
 */
function projectArgs(dbt) {
    const args = ['--project-dir', dbt.projectDir];
    if (dbt.profilesDir)
        args.push('--profiles-dir', dbt.profilesDir);
    if (dbt.target)
        args.push('--target', dbt.target);
    return [...args, ...splitParseFlags(dbt.extraArgs).parse];
}
function selectionArgs(dbt) {
    if (dbt.selector)
        return ['--selector', dbt.selector];
    return dbt.select.length > 0 ? ['--select', ...dbt.select] : [];
}
function stateArgs(dbt, state) {
    if (state.kind === 'build-all')
        return ['--no-defer'];
    const args = ['--state', state.stateDir, dbt.defer ? '--defer' : '--no-defer'];
    if (dbt.defer && dbt.favorState)
        args.push('--favor-state');
    return args;
}
/**
 * The argv (after the executable) of the main dbt command, without the project, profiles,
 * target and target-path flags, which the step runner adds. A full build (no baseline) drops
 * the selection, since state selectors need a comparison manifest; exclusions still apply.
 */
function buildDbtArgs(dbt, state) {
    const selection = state.kind === 'build-all' ? [] : selectionArgs(dbt);
    const exclude = dbt.exclude.length > 0 ? ['--exclude', ...dbt.exclude] : [];
    return [dbt.command, ...selection, ...exclude, ...stateArgs(dbt, state), ...splitParseFlags(dbt.extraArgs).rest];
}
/** What a clone keeps of the build's selection: the incremental models that exist in the baseline. */
const CLONE_INCREMENTAL_FILTER = 'config.materialized:incremental,state:old';
/**
 * The argv of `dbt clone` run before the build when `clone-incremental` is on: exactly the
 * incremental models the build itself selects (each selection value intersected with the
 * filter, the build's exclusions kept), so the clone never reaches past the build. Undefined
 * when the build names a YAML selector, which cannot be intersected on the command line.
 */
function buildCloneArgs(dbt, stateDir) {
    if (dbt.selector)
        return undefined;
    const select = dbt.select.map((value) => `${value},${CLONE_INCREMENTAL_FILTER}`);
    const exclude = dbt.exclude.length > 0 ? ['--exclude', ...dbt.exclude] : [];
    return ['clone', '--select', ...select, ...exclude, '--state', stateDir];
}
/** The argv of `dbt deps`. */
function buildDepsArgs() {
    return ['deps'];
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
/** Where one step's lines go: scrubbed, kept (the last {@link KEPT_LINES}), passed on, and shown unless quiet. */
function stepOutput(scrub, show, opts) {
    const kept = tail(KEPT_LINES);
    const print = (line) => {
        const clean = scrub(line);
        kept.push(clean);
        opts.onLine?.(clean);
        if (!opts.quiet)
            show(clean);
    };
    return { print, kept };
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
            const { print, kept } = stepOutput(scrub, show, opts);
            const exit = await spawnAndWait(binary, args, opts, { stdout: lineSplitter(print), stderr: lineSplitter(print) });
            return { ...exit, output: kept.text() };
        }
    };
}

/**
 * The Python program of a dbt session (see session.ts), run by dbt's own interpreter as
 * `python -u -c HOST_SCRIPT <nonce>`. It reads one JSON request a line on stdin:
 * `{"args": [...], "parse": [...], "targetDir": "...", "reads": "all"}`. The first request of a `parse` list
 * parses the project with exactly those flags into the request's target directory (where the
 * partial-parse file is), and keeps the result pickled. Every request then runs `args` through
 * dbtRunner on a copy of its own, unpickled from that pristine parse, so what one step does to
 * the manifest (a `--defer` merge, an inline node, compiled SQL) never reaches another. The copy's
 * metadata takes the invocation's id and times at its first event, as a parse inside that
 * invocation would have written them. A step whose `reads` is not `all` runs with
 * `--no-write-json`: dbt writes no manifest.json and no graph, which take longer than the step
 * itself on a large project; for `run-results` the host then writes the step's run_results.json
 * as dbt would have, with dbt's own writer.
 *
 * dbt's log goes to stdout as the CLI prints it. After each step the host prints
 * `<nonce> done <exit code>` (0 success, 1 a node failed, 2 dbt failed: the CLI's codes). At start
 * it prints `<nonce> ready <dbt version>`, or `<nonce> unavailable <why>` when dbt's programmatic
 * runner cannot be imported. The nonce is random per session, so nothing dbt prints can pass for
 * these lines.
 */
const HOST_SCRIPT = `
import atexit, json, os, pickle, sys, traceback
from datetime import datetime, timezone

NONCE = sys.argv[1]

def say(*words):
    sys.stdout.flush()
    sys.stderr.flush()
    sys.stdout.write(NONCE + " " + " ".join(str(w) for w in words) + "\\n")
    sys.stdout.flush()

try:
    from dbt.cli.main import dbtRunner
    from dbt.version import __version__
    from dbt_common import invocation
except BaseException as error:
    say("unavailable", type(error).__name__)
    sys.exit(0)

def exit_code(result):
    if result.success:
        return 0
    return 2 if result.exception is not None else 1

def explain(result):
    # The CLI prints a usage error itself; dbt's other errors are in its log already.
    if type(result.exception).__name__ == "DbtUsageException":
        print("Error: " + str(result.exception))

def stamped(manifest):
    first = [True]
    def on_event(_msg):
        if not first[0]:
            return
        first[0] = False
        meta = manifest.metadata
        meta.invocation_id = invocation.get_invocation_id()
        meta.generated_at = datetime.now(timezone.utc).replace(tzinfo=None)
        if hasattr(meta, "invocation_started_at") and hasattr(invocation, "get_invocation_started_at"):
            meta.invocation_started_at = invocation.get_invocation_started_at()
    return on_event

pristine = {}
spare = {}
unshared = set()

def keep(key, manifest):
    try:
        pristine[key] = pickle.dumps(manifest, protocol=pickle.HIGHEST_PROTOCOL)
        spare[key] = manifest
    except Exception:
        # A parse that cannot be copied is not shared: each step parses for itself, in this process.
        unshared.add(key)

def step(request, key):
    if key not in pristine and key not in unshared:
        # No manifest.json from the parse: the step writes its own into the same directory, as
        # the build writes its own at its end (the partial-parse file is written all the same).
        parsed = dbtRunner().invoke(["parse", "--no-write-json", "--target-path", request["targetDir"], *request["parse"]])
        if not parsed.success:
            explain(parsed)
            return exit_code(parsed)
        keep(key, parsed.result)
    reads = request.get("reads", "all")
    args = request["args"] if reads == "all" else [*request["args"], "--no-write-json"]
    if key in unshared:
        result = dbtRunner().invoke(args)
    else:
        manifest = spare.pop(key, None)
        if manifest is None:
            manifest = pickle.loads(pristine[key])
        result = dbtRunner(manifest=manifest, callbacks=[stamped(manifest)]).invoke(args)
    if reads == "run-results" and hasattr(result.result, "write"):
        result.result.write(os.path.join(request["targetDir"], "run_results.json"))
    explain(result)
    return exit_code(result)

say("ready", __version__)
while True:
    line = sys.stdin.readline()
    if not line:
        break
    request = json.loads(line)
    key = json.dumps(request["parse"])
    try:
        code = step(request, key)
    except Exception:
        traceback.print_exc()
        code = 2
    say("done", code)
    if key in pristine and key not in spare:
        # The next step's copy is made while the action works on this one's artifacts; a copy
        # that fails here is made, or fails its step, when the step comes.
        try:
            spare[key] = pickle.loads(pristine[key])
        except Exception:
            pass

# Every exit handler runs, as at a normal exit (the adapters' own: DuckDB closes its database,
# which checkpoints; logging flushes dbt.log). Then the process ends without freeing the parsed
# manifests object by object, which takes longer than dbt's whole build on a large project.
atexit._run_exitfuncs()
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
`;

/**
 * One dbt process for the dbt steps of a run, where dbt is a Python program (its executable a
 * script whose first line names its interpreter, as pip and pipx install it). The safety probe,
 * the schema claim, the clone, the build and the comparison then share one start of Python and
 * one parse of the project instead of paying for them once each: dbt's programmatic runner parses
 * with the flags every step shares (dbt/argv.ts `projectArgs`), and each step runs on its own copy
 * of that parse (session-host.ts). The build thus runs on the very parse the safety check read.
 *
 * A command that takes no parse (`deps`, `debug`), a step whose own flags would parse differently,
 * and a dbt that is no Python program (dbt Fusion) run as a process of their own, as before; the
 * session is closed first, so no two dbt processes hold the warehouse at once. If the session's
 * process dies, the step it ran fails as a killed dbt does, and later steps run as processes of
 * their own.
 */
/** dbt commands that run on a parsed project, and so may run in the session. */
const SESSION_COMMANDS = new Set(['build', 'run', 'test', 'seed', 'snapshot', 'compile', 'show', 'ls', 'list', 'clone', 'run-operation']);
/** How long a session's process has to exit once its input is closed, before it is stopped. */
const CLOSE_GRACE_MS = 10_000;
/** The Python interpreter of a dbt that is a Python console script, else undefined. */
async function pythonOf(executable) {
    const path = executable.includes('/') ? executable : await which(executable, false).catch(() => '');
    if (!path)
        return undefined;
    let first;
    try {
        first = readFileSync(path).subarray(0, 512).toString('utf8').split('\n')[0];
    }
    catch {
        return undefined;
    }
    const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
    if (!shebang)
        return undefined;
    const interpreter = shebang[1].endsWith('/env') ? shebang[2] : shebang[1];
    return interpreter && /python[0-9.]*$/.test(interpreter) ? interpreter : undefined;
}
/** Whether a step may run in the session: a command on a parsed project, parsed with the shared flags alone. */
function sessionEligible(args, opts) {
    if (!opts.shared || !SESSION_COMMANDS.has(args[0]))
        return false;
    const own = args.slice(0, args.length - opts.shared.parse.length);
    return !own.some(isParseFlag);
}
/** The session's Python process. */
class Host {
    cwd;
    env;
    idle;
    child;
    nonce = randomBytes(16).toString('hex');
    running;
    exit;
    closed;
    /** Resolves with whether dbt's programmatic runner is there to take steps. */
    ready;
    constructor(python, cwd, env, idle) {
        this.cwd = cwd;
        this.env = env;
        this.idle = idle;
        this.child = spawn(python, ['-u', '-c', HOST_SCRIPT, this.nonce], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
        let answer = () => { };
        this.ready = new Promise((resolve) => (answer = resolve));
        const stdout = lineSplitter((line) => this.line(line, answer));
        const stderr = lineSplitter((line) => this.print(line));
        this.child.stdout.on('data', (chunk) => stdout.push(chunk));
        this.child.stderr.on('data', (chunk) => stderr.push(chunk));
        this.child.stdin.on('error', () => { }); // a dead process: its exit is reported below
        this.closed = new Promise((resolve) => {
            // Not started at all (its interpreter missing): the step runs as a process, which says why.
            this.child.on('error', () => {
                this.exit ??= { exitCode: 2 };
                answer(false);
                resolve();
            });
            this.child.on('close', (code, signal) => {
                stdout.end();
                stderr.end();
                this.exit = exitOf(code, signal);
                answer(false);
                if (this.running && !this.exit.signal)
                    this.running.print(`dbt's session process exited (code ${this.exit.exitCode}) before the step finished.`);
                // A step cut short failed as dbt itself fails (2), never as a node does (1), nor succeeded.
                this.finish(this.exit.signal ? this.exit : { exitCode: 2 });
                resolve();
            });
        });
    }
    /** Whether the process is still there to take a step. */
    get alive() {
        return this.exit === undefined;
    }
    line(line, answer) {
        const at = line.indexOf(this.nonce);
        const before = at < 0 ? line : line.slice(0, at);
        if (before)
            this.print(before);
        if (at < 0)
            return;
        const [word, value] = line.slice(at + this.nonce.length + 1).split(' ');
        if (word === 'ready')
            answer(true);
        else if (word === 'unavailable')
            answer(false);
        else if (word === 'done')
            this.finish({ exitCode: Number(value) });
    }
    /** A line of dbt's: the running step's, or shown in the log between steps. */
    print(line) {
        if (this.running)
            this.running.print(line);
        else
            this.idle(line);
    }
    finish(exit) {
        const running = this.running;
        this.running = undefined;
        running?.end(exit);
    }
    /** Runs one step and resolves with dbt's exit once the host says it is done (or died). */
    step(args, shared, print) {
        const { parse, targetDir, reads = 'all' } = shared;
        return new Promise((end) => {
            if (this.exit)
                return end(this.exit.signal ? this.exit : { exitCode: 2 });
            this.running = { print, end };
            this.child.stdin.write(`${JSON.stringify({ args, parse, targetDir, reads })}\n`);
        });
    }
    /** Closes its input and waits for it to exit, stopping it after a grace period. */
    async close() {
        if (this.alive) {
            this.child.stdin.end();
            const stop = setTimeout(() => this.child.kill('SIGTERM'), CLOSE_GRACE_MS);
            await this.closed;
            clearTimeout(stop);
        }
    }
}
function sameEnv(a, b) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}
/**
 * dbt for a run: steps that can share a parse run in one session of dbt's own Python, the others
 * through `spawned` (a process each). Output is scrubbed and shown as {@link execDbtProcess} does.
 */
function dbtSession(executable, scrub = (text) => text, show = (line) => process.stdout.write(`${line}\n`), spawned = execDbtProcess(executable, scrub, show)) {
    let host;
    let off = false;
    let queue = Promise.resolve();
    const closeHost = async () => {
        const open = host;
        host = undefined;
        await open?.close();
    };
    // A start that `warm` began is waited for, and ended too: a run that fails before its first
    // dbt step must not leave dbt's Python behind (the action would never exit).
    const close = async () => {
        await starting?.catch(() => undefined);
        await closeHost();
    };
    let starting;
    const hostFor = (opts) => {
        // One start at a time: a step waits for the start `warm` began.
        const before = starting?.catch(() => undefined) ?? Promise.resolve(undefined);
        starting = before.then(() => startOrReuse(opts));
        return starting;
    };
    const startOrReuse = async (opts) => {
        if (host && (!host.alive || host.cwd !== opts.cwd || !sameEnv(host.env, opts.env)))
            await closeHost();
        if (host || off)
            return host;
        const python = await pythonOf(executable);
        if (!python)
            return void (off = true);
        checkCwd(opts.cwd);
        const started = new Host(python, opts.cwd, opts.env, (line) => show(scrub(line)));
        if (!(await started.ready)) {
            off = true;
            await started.close();
            return undefined;
        }
        return (host = started);
    };
    const runOne = async (args, opts) => {
        const session = sessionEligible(args, opts) ? await hostFor(opts) : undefined;
        if (!session || !opts.shared) {
            await close();
            return spawned.run(args, opts);
        }
        const { print, kept } = stepOutput(scrub, show, opts);
        const exit = await session.step(args, opts.shared, print);
        if (!session.alive)
            off = true;
        return { ...exit, output: kept.text() };
    };
    return {
        run(args, opts) {
            const next = queue.then(() => runOne(args, opts));
            queue = next.catch(() => undefined);
            return next;
        },
        close,
        warm(opts) {
            hostFor(opts).catch(() => undefined);
        },
        async inSession(opts) {
            return (await hostFor(opts).catch(() => undefined)) !== undefined;
        }
    };
}

export { projectArgs as a, buildDepsArgs as b, buildCloneArgs as c, describeSignal as d, buildDbtArgs as e, execDbtProcess as f, dbtSession as g, pythonOf as p };
