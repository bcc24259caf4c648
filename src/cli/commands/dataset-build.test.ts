import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.ts';
import { registerDatasetBuild } from './dataset-build.ts';
import { registerDatasetImport } from './dataset-import.ts';

const run = (args: string[]): Promise<unknown> => {
  const program = new Command('attune').exitOverride();
  registerDatasetImport(program);
  registerDatasetBuild(program);
  return program.parseAsync(['node', 'attune', 'dataset', 'build', ...args]);
};

describe('attune dataset build (flags)', () => {
  it('lives beside `dataset import` in one group', () => {
    const program = new Command('attune');
    registerDatasetImport(program);
    registerDatasetBuild(program);
    expect(program.commands.find((c) => c.name() === 'dataset')!.commands.map((c) => c.name())).toEqual([
      'import',
      'build',
    ]);
  });

  it('refuses a bad mode, question source or oracle share before opening anything', async () => {
    await expect(run(['--collection', 'x', '--out', 'o.jsonl', '--mode', 'bogus'])).rejects.toThrow(
      new UsageError('--mode must be one of cloze, qa-llm, raft, got "bogus"'),
    );
    await expect(
      run(['--collection', 'x', '--out', 'o.jsonl', '--mode', 'raft', '--questions', 'web']),
    ).rejects.toThrow(/--questions must be cloze or qa-llm/);
    await expect(
      run(['--collection', 'x', '--out', 'o.jsonl', '--mode', 'raft', '--oracle-share', '1.5']),
    ).rejects.toThrow(/--oracle-share must be between 0 and 1/);
    await expect(run(['--collection', 'x', '--out', 'o.jsonl', '--paraphrases', '-2'])).rejects.toThrow(
      /--paraphrases must be a positive integer/,
    );
    await expect(run(['--collection', 'x', '--out', 'o.jsonl', '--max-seq-len', '0'])).rejects.toThrow(
      /--max-seq-len must be a positive integer/,
    );
  });
});
