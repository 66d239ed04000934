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
export const HOST_SCRIPT = `
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
`
