/**
 * Starting and stopping a real Yui for browser tests.
 *
 * `startYui()` runs `$YUI_BIN demo` on a free local port with a fresh data directory, waits
 * until `GET /readyz` answers 200, and returns a handle whose `stop()` ends the process and
 * deletes the data. Nothing is parsed from Yui's output: the demo logins are fixed, and the
 * output is kept only to explain a failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** The demo town that `yui demo` seeds. */
export const DEMO_TOWN = { slug: 'oguni', name: '小国町', code: '434248' } as const;

/** The staff logins that `yui demo` creates (their passwords are reset at every start). */
export const DEMO_LOGINS = {
  admin: {
    login: 'admin',
    password: 'oguni-admin-demo',
    roleJa: '管理者',
    roleEn: 'Administrator',
  },
  builder: {
    login: 'builder',
    password: 'oguni-builder-demo',
    roleJa: 'アプリ作成者',
    roleEn: 'Builder',
  },
  reviewer: {
    login: 'reviewer',
    password: 'oguni-reviewer-demo',
    roleJa: '担当職員',
    roleEn: 'Reviewer',
  },
  viewer: {
    login: 'viewer',
    password: 'oguni-viewer-demo',
    roleJa: '閲覧者',
    roleEn: 'Viewer',
  },
} as const;

export type DemoRole = keyof typeof DEMO_LOGINS;

/** A running Yui. */
export interface YuiInstance {
  /** The origin pages are served from, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  /** The data directory (embedded SQLite and files); deleted by `stop()`. */
  readonly dataDir: string;
  /** What Yui has written to stdout and stderr so far (the last part of it, when long). */
  log(): string;
  /** Ends Yui (SIGTERM, then SIGKILL if it does not exit in time) and deletes its data. */
  stop(): Promise<void>;
}

export interface StartYuiOptions {
  /** Give up when `/readyz` has not answered 200 after this long. */
  readyTimeoutMs?: number;
  /** Extra environment for Yui, e.g. `{ YUI_LOG_LEVEL: 'debug' }`. */
  env?: Record<string, string>;
}

const LOG_LIMIT = 64 * 1024;
const STOP_GRACE_MS = 5_000;
const START_ATTEMPTS = 3;

/**
 * The yui binary under test: `$YUI_BIN`, or the debug build in the shared target directory
 * (`$CARGO_TARGET_DIR`, default `~/.cache/yui/target`) when the tests are run by hand.
 */
export function yuiBinary(): string {
  const explicit = process.env.YUI_BIN;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`YUI_BIN=${explicit} does not exist`);
    return explicit;
  }
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'yui', 'target');
  const fallback = join(targetDir, 'debug', 'yui');
  if (existsSync(fallback)) return fallback;
  throw new Error(
    'YUI_BIN is not set and no debug build was found at ' +
      `${fallback}. Run scripts/e2e, or build with \`cargo build -p yui\` and export YUI_BIN.`,
  );
}

/** Starts `yui demo` on a free port and waits until it is ready. */
export async function startYui(options: StartYuiOptions = {}): Promise<YuiInstance> {
  const failures: string[] = [];
  // Another process may take the port between our probe and Yui's bind; try a few ports.
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const started = await startOnce(await freePort(), options);
    if (started.ok) return started.yui;
    failures.push(started.reason);
    if (!started.retry) break;
  }
  throw new Error(`Yui did not start:\n${failures.join('\n---\n')}`);
}

type StartResult =
  | { ok: true; yui: YuiInstance }
  | { ok: false; retry: boolean; reason: string };

async function startOnce(port: number, options: StartYuiOptions): Promise<StartResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'yui-e2e-'));
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    yuiBinary(),
    ['demo', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir],
    { env: childEnv(options.env), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = new BoundedLog(LOG_LIMIT);
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  const exited = exitOf(child);
  // A test runner that dies must not leave servers behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await terminate(child, exited);
    rmSync(dataDir, { recursive: true, force: true });
  };

  const ready = await waitUntilReady(url, exited, options.readyTimeoutMs ?? 20_000);
  if (ready === 'ready') {
    return { ok: true, yui: { url, dataDir, log: () => output.text(), stop } };
  }
  await stop();
  const text = output.text();
  return {
    ok: false,
    retry: ready === 'exited' && /cannot listen|address.*in use/i.test(text),
    reason: `${ready === 'exited' ? 'yui exited early' : 'yui was not ready in time'} ` +
      `(port ${port}):\n${text}`,
  };
}

/** Yui's environment: the runner's, minus any YUI_* setting that could point it elsewhere. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('YUI_')) env[key] = value;
  }
  return { ...env, YUI_LOG_FORMAT: 'text', ...extra };
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

function exitOf(child: ChildProcess): Promise<number | string> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (error) => resolve(`spawn error: ${error.message}`));
  });
}

async function waitUntilReady(
  url: string,
  exited: Promise<number | string>,
  timeoutMs: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (hasExited) return 'exited';
    try {
      const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return 'ready';
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return hasExited ? 'exited' : 'timeout';
}

async function terminate(child: ChildProcess, exited: Promise<number | string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), STOP_GRACE_MS));
  if ((await Promise.race([exited, timer])) === 'late') {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Keeps the last `limit` bytes of a stream, for error messages. */
class BoundedLog {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 1) {
      const dropped = this.chunks.shift();
      this.size -= dropped?.length ?? 0;
    }
  }

  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
