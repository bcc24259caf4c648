import { Command } from 'commander';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetGroup } from './dataset.ts';
import { registerDatasetImport } from './dataset-import.ts';

describe('attune dataset import', () => {
  it('shares one `dataset` group with other subcommands', () => {
    const program = new Command('attune');
    registerDatasetImport(program);
    datasetGroup(program).command('build');
    expect(program.commands.filter((c) => c.name() === 'dataset')).toHaveLength(1);
    expect(datasetGroup(program).commands.map((c) => c.name())).toEqual(['import', 'build']);
  });

  it('imports a CSV and writes corpus + questions', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attune-cli-import-'));
    const csv = join(dir, 'faq.csv');
    await (await import('node:fs/promises')).writeFile(
      csv,
      'id,question,answer,context\nq1,What is X?,a thing,X is a thing.\n',
    );
    const program = new Command('attune').exitOverride();
    registerDatasetImport(program);
    const out = join(dir, 'out');
    const stdout = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await program.parseAsync(['node', 'attune', 'dataset', 'import', '--from', 'csv', csv, '--out', out, '--json']);
    } finally {
      process.stdout.write = stdout;
    }
    expect(await readFile(join(out, 'corpus', 'q1.md'), 'utf8')).toBe('X is a thing.\n');
    expect(JSON.parse(await readFile(join(out, 'questions.jsonl'), 'utf8'))).toEqual({
      id: 'q1',
      question: 'What is X?',
      answers: ['a thing'],
      goldDocIds: ['q1.md'],
      answerable: true,
    });
  });
});
