import { join } from 'node:path';
import { modelsDir } from '../config/paths.ts';
import { DEFAULT_GENERATOR_FILE } from '../models/catalog.ts';
import { ensurePythonEnv } from '../models/python-env.ts';
import { PythonTrainer } from './python-trainer.ts';
import { describeTrainerContract } from './trainer.contract.ts';

// The real PyTorch + PEFT worker on the default 135M model, 2 optimiser steps: slow (model tier).
describeTrainerContract('python-peft', {
  make: async () => new PythonTrainer({ python: await ensurePythonEnv() }),
  base: join(modelsDir(), DEFAULT_GENERATOR_FILE),
});
