import type { Command } from 'commander';
import { registerAsk } from './ask.ts';
import { registerCollections } from './collections.ts';
import { registerIngest } from './ingest.ts';
import { registerSearch } from './search.ts';
import { registerModels } from './models.ts';
import { registerServe } from './serve.ts';
import { registerKeys } from './keys.ts';
import { registerMcp } from './mcp.ts';
import { registerSql } from './sql.ts';
import { registerEval } from './eval.ts';
import { registerRuns } from './runs.ts';
import { registerDatasetImport } from './dataset-import.ts';
import { registerDatasetBuild } from './dataset-build.ts';
import { registerTune } from './tune.ts';
import { registerCompare } from './compare.ts';
import { registerAdapters } from './adapters.ts';
import { registerStore } from './store.ts';
import { registerCollectionsCopy } from './collections-copy.ts';
import { registerWatch } from './watch.ts';

/** Every CLI command registers itself here: adding a command is one file plus one line. */
export const commands: ((program: Command) => void)[] = [
  registerModels,
  registerIngest,
  registerSearch,
  registerAsk,
  registerCollections,
  registerServe,
  registerKeys,
  registerMcp,
  registerSql,
  registerEval,
  registerRuns,
  registerDatasetImport,
  registerDatasetBuild,
  registerTune,
  registerCompare,
  registerAdapters,
  registerStore,
  registerCollectionsCopy,
  registerWatch,
];
