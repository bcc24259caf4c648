/**
 * The folder layout lives in src/paths.ts (beside errors.ts and types.ts) so that models/ and
 * store/ can use it without importing config/, which imports them; re-exported here for the rest.
 */
export { cacheDir, collectionDir, homeDir, modelsDir } from '../paths.ts';
