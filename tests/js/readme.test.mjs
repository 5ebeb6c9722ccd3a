// Every JavaScript/TypeScript example in README.md compiles under `tsc --strict` against the built
// package, as a user's project would see it: each ```js / ```ts block is a module of its own, its free
// variables (credentials, the worked example's client, Node's req/res) declared with realistic types in
// tests/types/readme-globals.d.ts. A block that does not compile fails here with its README line.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root, scratch, typecheck } from '../types/tsc.mjs';

const LANGS = new Set(['js', 'javascript', 'mjs', 'cjs', 'ts', 'typescript', 'mts', 'cts']);

/** The code blocks of a Markdown text: { lang, line (1-based, of the first code line), code }. */
function codeBlocks(markdown) {
  const lines = markdown.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    let j = i + 1;
    while (j < lines.length && !(lines[j].trimStart().startsWith(fence) && lines[j].trim().replace(/[`~]/g, '') === '')) j++;
    const code = lines.slice(i + 1, j).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n');
    blocks.push({ lang: lang.toLowerCase(), line: i + 2, code });
    i = j;
  }
  return blocks.filter((b) => LANGS.has(b.lang));
}

/** CommonJS when the block requires and neither imports nor exports; an ES module otherwise. */
function extensionOf(block) {
  const esm = /^\s*(import|export)\s/m.test(block.code) || /\bawait\b/.test(block.code);
  return !esm && /\brequire\(/.test(block.code) ? 'cts' : 'mts';
}

/** Writes each block as <prefix>-<line>.<ext>; the code keeps its lines, so line n is README line+n-1. */
function writeBlocks(dir, prefix, markdown) {
  return codeBlocks(markdown).map((block) => {
    const file = `${prefix}-${block.line}.${extensionOf(block)}`;
    writeFileSync(join(dir, file), `${block.code}\nexport {};\n`);
    return { ...block, file: join(dir, file) };
  });
}

/** The block's diagnostics, as README positions with the offending source line. */
function report(block, diagnostics, source = 'README.md') {
  const lines = block.code.split('\n');
  return diagnostics
    .filter((d) => d.file === block.file)
    .map((d) => {
      const at = block.line + d.line - 1;
      return `${source}:${at}:${d.column}: ${d.code}: ${d.message}\n    ${lines[d.line - 1]?.trim() ?? ''}`;
    });
}

// A deliberately wrong example: the harness must see its error, at the right README line.
const WRONG = [
  '# A README with a mistake',
  '',
  'Text, then a correct block:',
  '',
  '```js',
  "const ok = createClient({ provider: 'shouqianba', credentials: { terminalSn, terminalKey } });",
  "await ok.query({ merchantOrderNo: 'A1001' });",
  '```',
  '',
  '```js',
  "const lakala = createClient({ provider: 'lakala', credentials: { appId, serialNo, privateKey, platformCertificate, merchantNo, termNo } });",
  "await lakala.pay({ merchantOrderNo: 'A1', amount: 980, authCode: '1345' });   // no clientIp",
  '```',
  '',
  '```sh',
  'not code we check',
  '```',
].join('\n');

let run;
let blocks;
let wrong;
let work;

before(() => {
  work = scratch('aggpay-readme-');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  blocks = writeBlocks(work.dir, 'readme', readme);
  wrong = writeBlocks(work.dir, 'wrong', WRONG);
  // Copied beside the blocks, so that every 'aggpay' resolves through the scratch node_modules.
  const globals = ['readme-globals.d.ts', 'node-http.d.ts'].map((f) => {
    copyFileSync(join(root, 'tests/types', f), join(work.dir, f));
    return join(work.dir, f);
  });
  run = typecheck([...globals, ...blocks.map((b) => b.file), ...wrong.map((b) => b.file)], { cwd: work.dir });
});

after(() => work?.remove());

test('README.md has JavaScript examples to check', () => {
  assert.ok(blocks.length >= 4, `found ${blocks.length} js/ts blocks`);
  const unplaced = run.diagnostics.filter((d) => ![...blocks, ...wrong].some((b) => b.file === d.file));
  assert.deepEqual(unplaced.map((d) => `${d.file}(${d.line}): ${d.code} ${d.message}`), [], 'errors outside the blocks (the globals, the package types, tsc itself)');
});

test('every README.md js/ts block compiles under tsc --strict', () => {
  const problems = blocks.flatMap((b) => report(b, run.diagnostics));
  assert.deepEqual(problems, [], `README examples that do not compile:\n${problems.join('\n')}`);
});

test('the harness sees a wrong example, at its README line', () => {
  assert.equal(wrong.length, 2, 'the sh block is not checked');
  assert.deepEqual(report(wrong[0], run.diagnostics, 'WRONG.md'), [], 'the correct block compiles');
  const errors = report(wrong[1], run.diagnostics, 'WRONG.md');
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.match(errors[0], /^WRONG\.md:12:\d+: TS2345: .*clientIp/s, errors[0]);
});
