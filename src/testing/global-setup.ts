import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Vitest global setup: every temporary file of one test run (the tests' own mkdtemp folders, those of the
 * processes they start: Python workers, servers) goes under one folder that is removed when the run ends,
 * so a run leaves nothing in the system's temp folder, also when a test fails before its own clean-up.
 * It runs before the test workers start, and they inherit TMPDIR.
 */
export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'attune-test-run-'));
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true, maxRetries: 5 });
  };
}
