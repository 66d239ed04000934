import { I as Input, O as Output } from './index-constants-CyAaZ2Tq.js';
import { A as ActionError } from './index-errors-CLcki1zy.js';
import { p as prepareRun, s as safetyDeps, g as gatherBaselineEvidence, i as installPackages, d as dropOwnedSchemas } from './index-build-CVlBZTui.js';
import 'process';
import 'buffer';
import 'os';
import 'crypto';
import 'fs';
import 'path';
import 'http';
import 'https';
import 'net';
import 'tls';
import 'events';
import 'assert';
import 'util';
import 'node:assert';
import 'node:net';
import 'node:http';
import 'node:stream';
import 'node:buffer';
import 'node:util';
import 'node:querystring';
import 'node:events';
import 'node:diagnostics_channel';
import 'node:tls';
import 'node:zlib';
import 'node:perf_hooks';
import 'node:util/types';
import 'node:worker_threads';
import 'node:url';
import 'node:async_hooks';
import 'node:console';
import 'node:dns';
import 'string_decoder';
import 'child_process';
import 'timers';
import 'node:path';
import 'node:crypto';
import 'node:fs';
import 'node:fs/promises';
import './index-cache-WveL_jfa.js';
import 'stream';
import 'url';
import 'node:os';
import 'node:process';
import 'node:https';
import 'node:module';
import 'tty';
import './index-project-okqjXQzo.js';
import 'zlib';
import 'node:stream/promises';
import './index-secrets-Dlt117OD.js';
import './index-session-BYEWJB33.js';
import 'node:child_process';
import 'node:string_decoder';

/**
 * The cleanup mode (`pull_request: closed`): drop the pull request's CI schemas, and only those
 * the safety check proves are the run's own (the ownership marker for this PR, and not a schema
 * of any deployed environment). Missing evidence refuses the drop.
 */
/** The cleanup mode. */
async function cleanup(settings, services) {
    const facts = await prepareRun(settings, services);
    if (!facts.ciSchema) {
        throw new ActionError(`mode: cleanup needs a CI schema to drop, but the input '${Input.CiSchema}' is empty. Set it to the template the builds use.`, { input: Input.CiSchema });
    }
    const safety = await safetyDeps(settings, services, facts, await gatherBaselineEvidence(settings, services, facts));
    // The safety probe parses the project, which needs its packages.
    await installPackages(settings, facts);
    await dropOwnedSchemas(safety, 'drop');
    services.outputs.set(Output.Success, true);
}

export { cleanup };
