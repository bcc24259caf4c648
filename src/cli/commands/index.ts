import type { Command } from 'commander';
import { registerModels } from './models.ts';

/** Every CLI command registers itself here: adding a command is one file plus one line. */
export const commands: ((program: Command) => void)[] = [registerModels];
