import type { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import { diffRuns } from '../../evaluate/diff.ts';
import { loadRunReport } from '../../evaluate/run.ts';
import { listRuns, loadRun } from '../../evaluate/runs.ts';
import { METRIC_LABELS } from '../../evaluate/summarize.ts';
import { formatNumber, renderTable } from '../../report/format.ts';
import { renderHtmlReport } from '../../report/html.ts';
import { renderEvalTable } from '../../report/table.ts';
import { cliContext, output } from '../context.ts';

export function registerRuns(program: Command): void {
  const runs = program.command('runs').description('list, show and compare stored evaluation runs');
  runs
    .command('list')
    .description('every run under the home, oldest first')
    .option('--json', 'print the runs as JSON')
    .addHelpText('after', '\nExample:\n  attune runs list')
    .action(async (flags: { json?: boolean }, command: Command) => {
      const { home } = cliContext(command);
      const metas = await listRuns(home);
      const rows = await Promise.all(
        metas.map(async (meta) => ({ ...meta, rows: (await loadRun(home, meta.runId)).rows.length })),
      );
      const summary = rows.map(({ runId, createdAt, status, dataset, strategies, repeats, rows: done }) => ({
        runId,
        createdAt,
        status,
        dataset: dataset.file,
        questions: dataset.questions,
        strategies,
        repeats,
        rows: done,
      }));
      output(flags.json, summary, () =>
        summary.length === 0
          ? 'no runs yet: start one with `attune eval`'
          : renderTable(
              ['run', 'created', 'status', 'rows', 'strategies', 'dataset'],
              summary.map((r) => [
                r.runId,
                r.createdAt.slice(0, 19).replace('T', ' '),
                r.status,
                `${r.rows}/${r.questions * r.strategies.length * r.repeats}`,
                r.strategies.join(','),
                r.dataset,
              ]),
            ),
      );
    });
  runs
    .command('show')
    .argument('<run>', 'run id from `attune runs list`')
    .description('the metrics table of one run (also for unfinished runs)')
    .option('--json', 'print the full report ({runId, dataset, strategies: {NAME: {metrics, items}}}) as JSON')
    .option('--html <file>', 'write the HTML report')
    .addHelpText('after', '\nExample:\n  attune runs show 20250101-120000-ab12 --html report.html')
    .action(async (runId: string, flags: { json?: boolean; html?: string }, command: Command) => {
      const { home } = cliContext(command);
      const report = await loadRunReport(home, runId);
      if (flags.html) await writeFile(flags.html, renderHtmlReport(report));
      output(flags.json, report, () => renderEvalTable(report));
    });
  runs
    .command('diff')
    .argument('<a>', 'first run id')
    .argument('<b>', 'second run id')
    .description('metric by metric, what changed from run A to run B (paired bootstrap on shared questions)')
    .option('--json', 'print the differences as JSON')
    .addHelpText('after', '\nExample:\n  attune runs diff 20250101-120000-ab12 20250102-090000-cd34')
    .action(async (a: string, b: string, flags: { json?: boolean }, command: Command) => {
      const { home } = cliContext(command);
      const rows = diffRuns(await loadRunReport(home, a), await loadRunReport(home, b));
      output(flags.json, rows, () =>
        rows.length === 0
          ? 'the two runs share no strategy'
          : renderTable(
              ['strategy', 'metric', a, b, 'B − A', 'paired'],
              rows.map((r) => [
                r.strategy,
                METRIC_LABELS[r.metric]!,
                formatNumber(r.a),
                formatNumber(r.b),
                formatNumber(r.delta),
                r.paired
                  ? `${r.paired.significant ? 'significant' : 'not significant'} (p=${r.paired.p.toFixed(3)}, n=${r.paired.n})`
                  : 'no shared questions',
              ]),
            ),
      );
    });
}
