// Runs a runtime's binary from this repository's node_modules (the `deno` and `bun` npm packages) as a child
// process, bounded in time (killed on timeout, and stopped if the test process exits first).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './workerd.mjs';

export const bin = (name) => join(ROOT, 'node_modules/.bin', name);

/** Resolves to { code, signal, stdout, stderr } once the process has exited; never rejects for a non-zero exit. */
export function runProcess(cmd, args, { env = {}, cwd = ROOT, timeoutMs = 40_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so a wrapper's children are stopped with it
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const kill = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    process.once('exit', kill);
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms]`;
      kill();
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      process.off('exit', kill);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      process.off('exit', kill);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The last line of stdout parsed as JSON, or an Error that shows everything the process said. */
export function lastJson({ code, signal, stdout, stderr }, what) {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  try {
    if (code !== 0) throw new Error(`exit ${code ?? signal}`);
    return JSON.parse(line);
  } catch (e) {
    throw new Error(`${what}: ${e.message}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
  }
}
