// pkg/src/index.d.ts describes the Rust model exactly: every union has the variants the Rust enums serialize
// to, every interface the fields the Rust structs serialize (optional where Rust may leave one out, `| null`
// where Rust writes null). Both sides are checked against tests/types/model.json: tests/model_types.rs
// (cargo test) fails when the Rust types no longer serialize to it, this test when the declarations differ.
// Read with the TypeScript checker, so aliases, `keyof` and the gateways' registry lines are resolved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { root } from '../types/tsc.mjs';

const model = JSON.parse(readFileSync(join(root, 'tests/types/model.json'), 'utf8'));
const index = join(root, 'pkg/src/index.d.ts');

function declarations() {
  const program = ts.createProgram([index], {
    strict: true, noEmit: true, target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  });
  const errors = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(index);
  const exports = new Map(checker.getExportsOfModule(checker.getSymbolAtLocation(file)).map((s) => [s.name, s]));
  const typeOf = (name) => {
    const symbol = exports.get(name);
    if (!symbol) return undefined;
    const s = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return checker.getDeclaredTypeOfSymbol(s);
  };
  const members = (t) => (t.isUnion() ? t.types : [t]);
  return {
    errors,
    /** The string literals of a union alias, sorted; undefined when it is not exported. */
    union(name) {
      const t = typeOf(name);
      if (!t) return undefined;
      return members(t).map((m) => (m.isStringLiteral() ? m.value : `<${checker.typeToString(m)}>`)).sort();
    },
    /** { field: { optional, nullable, type } } of an interface; undefined when it is not exported. */
    fields(name) {
      const t = typeOf(name);
      if (!t) return undefined;
      const out = {};
      for (const p of checker.getPropertiesOfType(t)) {
        const decl = p.valueDeclaration ?? p.declarations?.[0];
        const pt = checker.getTypeOfSymbolAtLocation(p, decl);
        const optional = Boolean(p.flags & ts.SymbolFlags.Optional);
        // `field?: T` reads as T | undefined: only null counts here. `Json` is any JSON value, null included.
        const json = decl?.type && ts.isTypeReferenceNode(decl.type) && decl.type.typeName.getText() === 'Json';
        const nullable = json || members(pt).some((m) => m.flags & ts.TypeFlags.Null);
        out[p.name] = { optional, nullable, json };
      }
      return out;
    },
  };
}

test('pkg/src/index.d.ts compiles on its own', () => {
  assert.deepEqual(declarations().errors, []);
});

test('every union of the model has exactly the variants the Rust enums serialize to', () => {
  const d = declarations();
  for (const [name, variants] of Object.entries(model.unions)) {
    const declared = d.union(name);
    assert.ok(declared, `index.d.ts exports no type ${name}`);
    const want = [...variants].sort();
    const missing = want.filter((v) => !declared.includes(v));
    const extra = declared.filter((v) => !want.includes(v));
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `${name}: index.d.ts differs from the Rust type`);
  }
});

test('every interface of the model has exactly the fields the Rust structs serialize, optional and nullable alike', () => {
  const d = declarations();
  for (const [name, fields] of Object.entries(model.interfaces)) {
    const declared = d.fields(name);
    assert.ok(declared, `index.d.ts exports no interface ${name}`);
    const missing = Object.keys(fields).filter((f) => !(f in declared));
    const extra = Object.keys(declared).filter((f) => !(f in fields));
    assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `${name}: index.d.ts fields differ from the Rust struct`);
    for (const [f, want] of Object.entries(fields)) {
      const got = declared[f];
      assert.equal(got.optional, want.optional, `${name}.${f}: ${want.optional ? 'Rust may leave it out: declare it optional (?:)' : 'Rust always writes it: it must not be optional'}`);
      if (want.nullable) assert.ok(got.nullable, `${name}.${f}: Rust writes null here: declare it | null`);
      else if (!got.json) assert.ok(!got.nullable, `${name}.${f}: Rust never writes null here: no | null`);
    }
  }
});
