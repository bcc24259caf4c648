import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DatasetError } from '../errors.ts';
import type { SqlExample } from './dataset.ts';

export type GeoquerySplit = 'train' | 'dev' | 'test';
/**
 * `query`: the template-disjoint split (Finegan-Dollak et al., 2018) — every SQL template is in one
 * split only, so a test question's gold SQL never appears in training; the headline split.
 * `question`: the original split by question — the same SQL template (often the same SQL) is in both.
 */
export type GeoquerySplitScheme = 'query' | 'question';
export const GEOQUERY_SCHEMES: readonly GeoquerySplitScheme[] = ['query', 'question'];

/** `attune sql import-geoquery`'s default file: the shared datasets folder beside the project. */
export const DEFAULT_GEOQUERY_FILE = fileURLToPath(
  new URL('../../../shared/datasets/geoquery/geography.json', import.meta.url),
);

interface GeoqueryGroup {
  'query-split': string;
  sql: string[];
  variables: { name: string; example: string }[];
  sentences: { 'question-split': string; text: string; variables: Record<string, string> }[];
}

/** Replaces whole-word variable names (longest first, so `state_name1` never eats `state_name10`). */
export function substitute(text: string, values: Record<string, string>): string {
  let out = text;
  for (const name of Object.keys(values).sort((a, b) => b.length - a.length)) {
    out = out.replace(new RegExp(`\\b${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'g'), () => values[name]!);
  }
  return out;
}

/**
 * GeoQuery (text2sql-data format) → `{question, sql}` for one split of the chosen scheme, variables
 * substituted into both; SQL-only variables take the group's example value. Only the first
 * (canonical) SQL is used.
 */
export function loadGeoquery(path: string, split: GeoquerySplit, scheme: GeoquerySplitScheme): SqlExample[] {
  let groups: GeoqueryGroup[];
  try {
    groups = JSON.parse(readFileSync(path, 'utf8')) as GeoqueryGroup[];
  } catch (error) {
    throw new DatasetError(`${path}: cannot read GeoQuery JSON: ${(error as Error).message}`, {
      input: path,
      cause: error,
    });
  }
  const examples: SqlExample[] = [];
  groups.forEach((group, index) => {
    const sql = group.sql?.[0];
    if (!sql) throw new DatasetError(`${path}: group ${index}: field "sql" is empty`, { input: path });
    if (scheme === 'query' && typeof group['query-split'] !== 'string')
      throw new DatasetError(`${path}: group ${index}: field "query-split" is missing; use the question split`, {
        input: path,
      });
    if (scheme === 'query' && group['query-split'] !== split) return;
    for (const sentence of group.sentences) {
      if (scheme === 'question' && sentence['question-split'] !== split) continue;
      const values = { ...Object.fromEntries(group.variables.map((v) => [v.name, v.example])), ...sentence.variables };
      examples.push({ question: substitute(sentence.text, values), sql: substitute(sql, values) });
    }
  });
  return examples;
}
