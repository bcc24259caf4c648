/**
 * attune's test kit (`attune/testing`): deterministic stand-ins for the model and store backends,
 * for fast tests of code built on attune. Each one implements the real interface and runs its
 * shared contract suite; the real models stay the second test tier.
 */
export { hashingEmbedder, type HashingEmbedderOptions } from './hashing-embedder.ts';
export { MemoryStore } from './memory-store.ts';
export {
  scriptedGenerator,
  type Script,
  type ScriptCall,
  type ScriptedGenerator,
  type ScriptedGeneratorOptions,
} from './scripted-generator.ts';
