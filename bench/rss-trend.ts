/**
 * RSS trend of a load run from its sample file (bench/mixed-load.ts `--samples FILE`, one sample every 10 s):
 * the least-squares slope of RSS, V8's committed heap, the heap in use and `external` from minute --from on
 * (several starts at once), in MB per minute, and the peak RSS of each 5-minute window.
 *
 *   bash scripts/with-node.sh bench/rss-trend.ts FILE [--from 15,30,45]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { slopeMbPerMinute, windowPeaks } from './benchmarks-file.ts';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { from: { type: 'string', default: '15,30,45' } },
});
if (positionals.length !== 1) throw new Error('usage: bench/rss-trend.ts SAMPLES.json [--from 15,30,45]');
type Sample = { rss: number; heapTotal: number; heapUsed: number; external: number };
const samples = JSON.parse(readFileSync(positionals[0]!, 'utf8')) as Sample[];
const PER_MINUTE = 6;
console.log(`${samples.length} samples, ${(samples.length / PER_MINUTE).toFixed(1)} minutes`);
for (const from of flags.from.split(',').map(Number)) {
  const part = samples.slice(from * PER_MINUTE);
  if (part.length < 2 * PER_MINUTE) continue;
  const slope = (key: keyof Sample) =>
    slopeMbPerMinute(
      part.map((s) => s[key]),
      PER_MINUTE,
    ).toFixed(2);
  console.log(
    `from minute ${from} to the end: RSS ${slope('rss')} MB/min, heapTotal ${slope('heapTotal')}, heapUsed ${slope('heapUsed')}, external ${slope('external')}`,
  );
}
const windows = windowPeaks(
  samples.map((s) => s.rss),
  30,
).map((bytes) => Math.round(bytes / 2 ** 20));
console.log(`peak RSS per 5-minute window, MB: ${windows.join(', ')}`);
