import { fileURLToPath } from 'node:url';

/** ../shared/datasets beside the project root (read in place, never copied into the repo). */
export const datasetsDir = fileURLToPath(new URL('../../../shared/datasets/', import.meta.url));
