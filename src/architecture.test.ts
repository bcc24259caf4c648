import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Import rules of the source tree, checked on the real files (ARCHITECTURE.md: layers and stages). */

const SRC = dirname(fileURLToPath(import.meta.url));

type Graph = Map<string, string[]>;

// `import … from`, `export … from` (also `import type`, multi-line lists), bare `import '…'` and `import('…')` with a literal
const IMPORT =
  /\b(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every relative import between files under `root`, type-only and dynamic ones included. */
function importGraph(root: string): Graph {
  const files = sourceFiles(root);
  const known = new Set(files);
  const graph: Graph = new Map();
  for (const file of files) {
    const targets = new Set<string>();
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier);
      if (known.has(target)) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
function cycles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || graph.get(node)?.includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const graph = importGraph(SRC);
const name = (file: string) => relative(SRC, file).split(sep).join('/');
const isTest = (file: string) => /\.(test|contract)\.ts$/.test(file);
const edges = [...graph].flatMap(([from, targets]) => targets.map((to) => [name(from), name(to)] as const));

describe('architecture: imports under src/', () => {
  it('reads the real import graph', () => {
    expect(graph.size).toBeGreaterThan(200);
    expect(edges).toContainEqual(['cli/main.ts', 'errors.ts']);
    expect(edges).toContainEqual(['store/lance-store.ts', 'store/fusion.ts']);
    // a type-only import, a multi-line import list and a dynamic import are all edges
    expect(edges).toContainEqual(['store/postgres/postgres-store.ts', 'store/store.ts']);
    expect(edges).toContainEqual(['compare/recommend.ts', 'compare/evidence.ts']);
    expect(edges).toContainEqual(['store/lance-backend.ts', 'store/lance-store.ts']);
  });

  it('finds a cycle when there is one (the checker itself)', () => {
    const sample: Graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
      ['e', ['e']],
    ]);
    expect(cycles(sample)).toEqual([['a', 'b', 'c'], ['e']]);
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).toEqual([]);
  });

  it('has no file-level import cycle', () => {
    expect(cycles(graph).map((component) => component.map(name).join(' ↔ '))).toEqual([]);
  });

  it('keeps the test kit out of production code: only tests and src/testing import src/testing/', () => {
    const offenders = edges.filter(
      ([from, to]) => to.startsWith('testing/') && !from.startsWith('testing/') && !isTest(join(SRC, from)),
    );
    expect(offenders).toEqual([]);
  });

  it('keeps the store layer below retrieval: src/store imports nothing from src/retrieve', () => {
    expect(edges.filter(([from, to]) => from.startsWith('store/') && to.startsWith('retrieve/'))).toEqual([]);
  });
});

describe('architecture: signals', () => {
  it('installs no signal cleanup with process.once (signal-exit then kills the process before it runs): use src/cli/interrupt.ts', () => {
    const once = /process\.once\(\s*['"]SIG/;
    const offenders = [...graph.keys()].filter((file) => !isTest(file) && once.test(readFileSync(file, 'utf8')));
    expect(offenders.map(name)).toEqual([]);
  });
});
