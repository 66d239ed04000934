import { join } from 'node:path';
import { r as readDbtProject, a as actionDirs, p as publishBaseline } from './index-project-okqjXQzo.js';
import 'node:crypto';
import 'node:fs';
import 'node:fs/promises';
import 'node:http';
import 'node:https';
import 'node:stream';
import 'node:stream/promises';
import './index-cache-WveL_jfa.js';
import { O as Output } from './index-constants-CyAaZ2Tq.js';
import './index-errors-CLcki1zy.js';
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
import 'zlib';
import 'stream';
import 'url';
import 'buffer';
import 'node:os';
import 'node:process';
import 'node:module';
import 'tty';
import 'process';

/**
 * The publish mode, a step of the deploy job after its dbt build: saves that build's
 * manifest.json to the actions cache as the newest baseline of its environment. The
 * environment is `defer-env` (auto means production: a deploy publishes what it deployed).
 * It reads what the user's own dbt wrote and touches no warehouse.
 */
/** The publish mode. */
async function publish(settings, services) {
    const project = readDbtProject(settings.dbt.projectDir, settings.dbt.targetPath);
    const dirs = actionDirs(settings.context.tempDir, settings.context.workspace, settings.dbt.projectDir, project.name);
    const env = settings.baseline.deferEnv === 'staging' ? 'staging' : 'production';
    const { key, saved } = await publishBaseline({
        cache: services.cache,
        settings: settings.baseline.cache,
        env,
        projectKey: dirs.projectKey,
        projectName: project.name,
        manifestPath: join(project.targetDir, 'manifest.json'),
        sha: settings.context.sha ?? '',
        tempDir: settings.context.tempDir,
        log: services.log
    });
    services.outputs.set(Output.DeferredEnv, env);
    services.outputs.set(Output.BaselineSource, 'actions-cache');
    services.outputs.set(Output.CacheKey, saved ? key : '');
}

export { publish };
