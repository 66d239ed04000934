import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { constants } from 'node:os';
import { isAbsolute, resolve, join, delimiter } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { j as which, S as SetupError } from './index-errors-DKQXuDqI.js';

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

export { describeSignal as d, execDbtProcess as e };
