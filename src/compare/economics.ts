import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** USD for `seconds` of a machine that costs `perHour`. */
export function machineCost(seconds: number, perHour: number): number {
  return (seconds / 3600) * perHour;
}

/**
 * Queries after which a fine-tuned strategy's cheaper answers have paid back its training:
 * trainingCost / (cost per query of the strategy it replaces − its own). Null when it is not cheaper per query.
 */
export function breakEvenQueries(
  trainingCost: number,
  replacedPerQuery: number | null,
  tunedPerQuery: number | null,
): number | null {
  if (replacedPerQuery === null || tunedPerQuery === null) return null;
  const saving = replacedPerQuery - tunedPerQuery;
  return saving > 0 ? Math.ceil(trainingCost / saving) : null;
}

/** Bytes on disk under a folder (0 when it does not exist). */
export async function folderBytes(path: string): Promise<number> {
  const info = await stat(path).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await folderBytes(join(path, entry));
  return total;
}
