import type { JoinPath } from './schema-cards.ts';

/** Undirected adjacency over tables: a join can be walked either way when connecting tables. */
export function joinGraph(joins: JoinPath[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const link = (a: string, b: string) => {
    if (a === b) return;
    if (!graph.has(a)) graph.set(a, new Set());
    graph.get(a)!.add(b);
  };
  for (const join of joins) {
    link(join.from, join.to);
    link(join.to, join.from);
  }
  return graph;
}

/** Shortest paths (fewest joins) from `start` to every table it reaches, as predecessor links. */
function breadthFirst(graph: Map<string, Set<string>>, start: string, maxHops: number): Map<string, string | null> {
  const previous = new Map<string, string | null>([[start, null]]);
  let frontier = [start];
  for (let hop = 0; hop < maxHops && frontier.length > 0; hop++) {
    const next: string[] = [];
    // sorted neighbours: the same schema always gives the same path among equally short ones
    for (const table of frontier) {
      for (const neighbour of [...(graph.get(table) ?? [])].sort()) {
        if (previous.has(neighbour)) continue;
        previous.set(neighbour, table);
        next.push(neighbour);
      }
    }
    frontier = next;
  }
  return previous;
}

function pathTo(previous: Map<string, string | null>, end: string): string[] {
  const path: string[] = [];
  for (let at: string | null | undefined = end; at; at = previous.get(at)) path.unshift(at);
  return path;
}

/**
 * The tables that connect `terminals` through the join graph: an approximate Steiner tree (the
 * metric-closure minimum spanning tree of Kou, Markowsky and Berman, within a factor 2 of the fewest
 * tables). Terminals more than `maxHops` joins apart stay unconnected (a far-fetched join path adds
 * more noise to the prompt than it helps). Returns the terminals first, then the connecting tables.
 */
export function connectTables(terminals: string[], joins: JoinPath[], options: { maxHops?: number } = {}): string[] {
  const unique = [...new Set(terminals)];
  if (unique.length < 2 || joins.length === 0) return unique;
  const graph = joinGraph(joins);
  const maxHops = options.maxHops ?? 3;
  const searches = new Map(unique.map((table) => [table, breadthFirst(graph, table, maxHops)]));
  // Prim's algorithm over the terminals, with the number of joins between two terminals as the distance
  const inTree = new Set([unique[0]!]);
  const added: string[] = [];
  while (inTree.size < unique.length) {
    let best: { from: string; to: string; length: number } | undefined;
    for (const from of inTree) {
      const previous = searches.get(from)!;
      for (const to of unique) {
        if (inTree.has(to) || !previous.has(to)) continue;
        const length = pathTo(previous, to).length;
        if (!best || length < best.length) best = { from, to, length };
      }
    }
    if (!best) {
      // the rest are in another component (or too far): start a new tree there
      inTree.add(unique.find((table) => !inTree.has(table))!);
      continue;
    }
    inTree.add(best.to);
    added.push(...pathTo(searches.get(best.from)!, best.to));
  }
  // terminals that could not be connected keep their place: they were retrieved for a reason
  return [...new Set([...unique, ...added])];
}
