// Runs the repository's TypeScript (the `typescript` devDependency) the way a user's strict project would:
// against the built package, loaded by name from a scratch directory whose node_modules/aggpay is pkg/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tscBin = join(root, 'node_modules/typescript/bin/tsc');

/** A scratch directory that resolves 'aggpay' to pkg/ (its dist must be built). */
export function scratch(prefix = 'aggpay-ts-') {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(root, 'pkg'), join(dir, 'node_modules/aggpay'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * One `tsc --strict --noEmit` run over `files` (paths relative to `cwd` or absolute). Returns every
 * diagnostic as { file (absolute), line, column, code, message (with its continuation lines) }.
 */
export function typecheck(files, { cwd }) {
  if (!existsSync(tscBin)) throw new Error(`typescript is not installed (${tscBin}): run make setup`);
  const args = [
    tscBin, '--noEmit', '--strict', '--pretty', 'false',
    '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
    ...files,
  ];
  const out = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (out.error) throw out.error;
  const text = `${out.stdout}${out.stderr}`;
  const diagnostics = [];
  for (const line of text.split('\n')) {
    const m = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/.exec(line);
    if (m) {
      diagnostics.push({ file: resolve(cwd, m[1]), line: Number(m[2]), column: Number(m[3]), code: m[4], message: m[5] });
    } else if (/^\s+\S/.test(line) && diagnostics.length) {
      diagnostics.at(-1).message += `\n${line}`;
    } else if (line.trim()) {
      // A global error (a bad flag, a missing file) has no position: keep it so it is seen.
      diagnostics.push({ file: '', line: 0, column: 0, code: /TS\d+/.exec(line)?.[0] ?? 'TS', message: line });
    }
  }
  return { status: out.status, text, diagnostics };
}

/** A diagnostic as tsc would print it, with the path relative to the repository. */
export function show(d) {
  if (!d.file) return d.message;
  const path = relative(root, d.file);
  return `${path.startsWith('..') ? d.file : path}(${d.line},${d.column}): ${d.code}: ${d.message}`;
}
