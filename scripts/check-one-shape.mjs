#!/usr/bin/env node
// The "one shape" check (issue 9, docs/adding-a-gateway.md): a gateway is its own module, its emulator module, its
// type file, its tests and docs, plus ONE line in each registry. Everything else — the infrastructure every gateway
// shares — must not name a gateway, so that a fifth one is added without touching it.
//
//   node scripts/check-one-shape.mjs [--root DIR]      exit 0: clean; exit 1: prints file:line for each violation
//
// The gateway names are read from the Rust registry (`registry! { name = "feature", … }` in src/providers/mod.rs),
// and matched case-insensitively anywhere in a line.
//
// Infrastructure: src/**/*.rs (except under a `tests` directory), pkg/src/**, pkg/build.mjs,
// js-examples/emulator/*.mjs (except *.test.mjs), tests/reliability.mjs, tests/conformance/**, tests/runtimes/**,
// scripts/**, Makefile, Cargo.toml. Docs (*.md) are never infrastructure.
// Allowed there: a gateway's own module (src/providers/<p>.rs, src/providers/<p>/**), its emulator module
// (js-examples/emulator/<p>.mjs, js-examples/emulator/<p>/**), its type file (pkg/src/types/<p>.d.ts); and in the
// registries at most one line per gateway: the `registry!` block of src/providers/mod.rs,
// js-examples/emulator/registry.mjs, the lines between `// registry: begin` and `// registry: end` in
// pkg/src/index.d.ts, and Cargo.toml's [features] section (two lines: its feature and the default list).
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const args = process.argv.slice(2);
const at = args.indexOf('--root');
const ROOT = at >= 0 ? args[at + 1] : join(fileURLToPath(new URL('.', import.meta.url)), '..');
const SKIP_DIRS = new Set(['node_modules', 'target', 'dist', '.git']);

/** The gateway names of the Rust registry. */
function gatewayNames() {
  const text = readFileSync(join(ROOT, 'src/providers/mod.rs'), 'utf8');
  const block = /^registry!\s*\{([\s\S]*?)^\}/m.exec(text);
  if (!block) throw new Error('src/providers/mod.rs: no `registry! { … }` block');
  const names = [...block[1].matchAll(/^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"[^"]*"\s*(?:=>\s*[A-Za-z_][A-Za-z0-9_]*\s*)?,?\s*$/gm)].map((m) => m[1]);
  if (!names.length) throw new Error('src/providers/mod.rs: the registry! block names no gateway');
  return names;
}

/** Every file under `dir` (relative to ROOT, with '/'), skipping build output and dependencies. */
function walk(dir) {
  const abs = join(ROOT, dir);
  if (!existsSync(abs)) return [];
  if (statSync(abs).isFile()) return [dir];
  return readdirSync(abs, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : walk(`${dir}/${e.name}`);
    return e.isFile() ? [`${dir}/${e.name}`] : [];
  });
}

/** The infrastructure files, relative to ROOT. */
function infrastructure() {
  const files = [
    ...walk('src').filter((f) => f.endsWith('.rs') && !f.split('/').slice(0, -1).includes('tests')),
    ...walk('pkg/src'),
    ...walk('pkg/build.mjs'),
    ...walk('js-examples/emulator').filter((f) => /^js-examples\/emulator\/[^/]+\.mjs$/.test(f) && !f.endsWith('.test.mjs')),
    ...walk('tests/reliability.mjs'),
    ...walk('tests/conformance'),
    ...walk('tests/runtimes'),
    ...walk('scripts'),
    ...walk('Makefile'),
    ...walk('Cargo.toml'),
  ];
  return [...new Set(files)].filter((f) => !f.endsWith('.md')).sort();
}

/** Whether `file` belongs to gateway `p` (its module, emulator module or type file). */
const ownedBy = (file, p) => file === `src/providers/${p}.rs` || file.startsWith(`src/providers/${p}/`)
  || file === `js-examples/emulator/${p}.mjs` || file.startsWith(`js-examples/emulator/${p}/`)
  || file === `pkg/src/types/${p}.d.ts`;

/**
 * The registry lines of `file`: a predicate over (line index, lines) and the lines each gateway may take there,
 * or null when the file has no registry.
 */
function registryOf(file, lines) {
  const between = (start, end) => {
    const s = lines.findIndex(start);
    if (s < 0) return () => false;
    const e = lines.findIndex((l, i) => i > s && end(l));
    return (i) => i > s && (e < 0 || i < e);
  };
  if (file === 'src/providers/mod.rs') return { inside: between((l) => /^registry!\s*\{/.test(l), (l) => /^\}/.test(l)), quota: 1 };
  if (file === 'js-examples/emulator/registry.mjs') return { inside: () => true, quota: 1 };
  if (file === 'pkg/src/index.d.ts') {
    return { inside: between((l) => l.includes('// registry: begin'), (l) => l.includes('// registry: end')), quota: 1 };
  }
  if (file === 'Cargo.toml') return { inside: between((l) => /^\s*\[features\]\s*$/.test(l), (l) => /^\s*\[/.test(l)), quota: 2 };
  return null;
}

function check() {
  const names = gatewayNames();
  const patterns = names.map((p) => [p, new RegExp(p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i')]);
  const violations = [];
  for (const file of infrastructure()) {
    const bytes = readFileSync(join(ROOT, file));
    if (bytes.includes(0)) continue; // binary
    const lines = bytes.toString('utf8').split('\n');
    const registry = registryOf(file, lines);
    const used = new Map(); // gateway → registry lines taken
    lines.forEach((line, i) => {
      for (const [p, re] of patterns) {
        if (!re.test(line) || ownedBy(file, p)) continue;
        if (registry?.inside(i)) {
          const n = (used.get(p) ?? 0) + 1;
          used.set(p, n);
          if (n <= registry.quota) continue;
          violations.push({ file, line: i + 1, p, why: `more than ${registry.quota} registry line(s) for ${p}`, text: line });
        } else {
          violations.push({ file, line: i + 1, p, why: `names ${p} outside its own module and the registries`, text: line });
        }
      }
    });
  }
  return { names, violations };
}

const { names, violations } = check();
for (const v of violations) console.log(`${v.file}:${v.line}: ${v.why}: ${v.text.trim().slice(0, 160)}`);
if (violations.length) {
  const files = new Set(violations.map((v) => v.file));
  console.log(`\ncheck-one-shape: ${violations.length} line(s) in ${files.size} file(s) name a gateway (${names.join(', ')}) where only `
    + 'its own module, its emulator module, its type file, one registry line, tests and docs may (docs/adding-a-gateway.md)');
  process.exitCode = 1;
} else {
  console.log(`check-one-shape: ok (${names.length} gateways: ${names.join(', ')})`);
}
