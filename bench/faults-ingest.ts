/**
 * Faults: `attune ingest` killed with SIGKILL at random points (N times, default 20), half of them while a
 * first ingest runs and half while an update replaces documents; after each kill the collection must be
 * exactly the state before the run (ingest is one store commit), and a rerun must finish with the same
 * documents and chunks as an uninterrupted run: no lost or duplicated chunks.
 *
 *   bash scripts/with-node.sh bench/faults-ingest.ts [--kills 20] [--append]
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/config.ts';
import { createEmbedder } from '../src/runtime/backends.ts';
import { openStore } from '../src/store/open.ts';
import { fictionalContexts } from './fictional-contexts.ts';
import { appendBenchmark, markdownTable } from './benchmarks-file.ts';
import { runCli, seededRandom } from './cli-process.ts';

const kills = Number(process.argv[process.argv.indexOf('--kills') + 1]) || 20;
const contexts = fictionalContexts();

const random = seededRandom(11);

async function runIngest(
  home: string,
  folder: string,
  collection: string,
  killAfterMs?: number,
): Promise<{ killed: boolean; ms: number }> {
  const { killed, ms } = await runCli(['--home', home, 'ingest', folder, '--collection', collection, '--json'], {
    killAfterMs,
  });
  return { killed, ms: Math.round(ms) };
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'attune-faults-'));
  const home = join(root, 'home');
  const first = join(root, 'v1');
  const second = join(root, 'v2');
  mkdirSync(first);
  contexts.slice(0, 24).forEach((text, i) => writeFileSync(join(first, `d${i}.md`), `# Document ${i}\n\n${text}`));
  cpSync(first, second, { recursive: true });
  // the update: 6 documents change, 3 new ones
  for (let i = 0; i < 6; i++)
    writeFileSync(join(second, `d${i}.md`), `# Document ${i} (revised)\n\n${contexts[30 + i]}`);
  for (let i = 24; i < 27; i++) writeFileSync(join(second, `d${i}.md`), `# Document ${i}\n\n${contexts[20 + i]}`);
  const embedder = await createEmbedder(parseConfig({}));
  const snapshot = async (collection: string) => {
    const store = await openStore({
      home,
      collection,
      embedderId: embedder.id,
      dimension: embedder.dimension,
      create: true,
    });
    try {
      return JSON.stringify((await store.documents()).map(({ docId, docHash, chunks }) => [docId, docHash, chunks]));
    } finally {
      await store.dispose();
    }
  };
  try {
    // references: uninterrupted runs
    const v1Run = await runIngest(home, first, 'reference');
    const v1 = await snapshot('reference');
    const v2Run = await runIngest(home, second, 'reference');
    const v2 = await snapshot('reference');
    const empty = JSON.stringify([]);
    const rows: (string | number)[][] = [];
    let lost = 0;
    let mixed = 0;
    let actuallyKilled = 0;
    for (let trial = 0; trial < kills; trial++) {
      const update = trial % 2 === 1;
      const collection = `trial-${trial}`;
      if (update) await runIngest(home, first, collection);
      const before = update ? v1 : empty;
      const limit = update ? v2Run.ms : v1Run.ms;
      const killAfter = Math.round(300 + random() * (limit - 300));
      const killed = await runIngest(home, update ? second : first, collection, killAfter);
      if (killed.killed) actuallyKilled++;
      const afterKill = await snapshot(collection);
      const target = update ? v2 : v1;
      const atomic = afterKill === before || afterKill === target;
      if (!atomic) mixed++;
      const rerun = await runIngest(home, update ? second : first, collection);
      const final = await snapshot(collection);
      if (final !== target) lost++;
      rows.push([
        trial + 1,
        update ? 'update (6 changed, 3 new)' : 'first ingest (24 docs)',
        killAfter,
        killed.killed ? 'yes' : 'finished first',
        afterKill === before ? 'as before' : afterKill === target ? 'complete' : 'MIXED',
        rerun.ms,
        final === target ? 'identical' : 'DIFFERENT',
      ]);
      console.log(rows.at(-1)!.join(' | '));
    }
    const body = [
      `${kills} runs of \`attune ingest\` (a separate process each) killed with SIGKILL at a uniformly random time between 0.3 s and the length of an uninterrupted run (first ingest ${(v1Run.ms / 1000).toFixed(1)} s, update ${(v2Run.ms / 1000).toFixed(1)} s, model load included); ${actuallyKilled} were killed before they finished. After each kill the collection was checked (documents, hashes, chunk counts), then the same command was rerun to the end and compared with an uninterrupted run.`,
      '',
      `**${mixed} collections in a mixed state after a kill; ${lost} reruns that differ from an uninterrupted run (lost or duplicated chunks).**`,
      '',
      markdownTable(
        ['#', 'run killed', 'kill after ms', 'killed', 'collection after the kill', 'rerun ms', 'after the rerun'],
        rows,
      ),
      '',
      'Not run here: kills during tune, eval and compare.',
    ].join('\n');
    console.log(body);
    if (process.argv.includes('--append'))
      appendBenchmark(
        'Faults: kill -9 during ingest',
        `bash scripts/with-node.sh bench/faults-ingest.ts --kills ${kills} --append`,
        body,
      );
    if (mixed || lost) process.exitCode = 1;
  } finally {
    await embedder.dispose();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
