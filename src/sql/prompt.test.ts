import { describe, expect, it } from 'vitest';
import { buildFtSqlMessages, extractSql, sqlTrainingLines } from './prompt.ts';

describe('ft prompt and SQL training data', () => {
  const examples = [
    { question: 'how many rivers are there', sql: 'SELECT COUNT(*) FROM river ;' },
    { question: 'what is the capital of "texas"', sql: 'SELECT capital FROM state WHERE state_name = "texas" ;' },
  ];

  it('trains on exactly the prompt the ft strategy answers, with the JSON the grammar asks for', () => {
    const lines = sqlTrainingLines(examples, 'sqlite');
    expect(lines).toHaveLength(2);
    for (const [i, line] of lines.entries()) {
      expect(line.messages.slice(0, 2)).toEqual(buildFtSqlMessages(examples[i]!.question, 'sqlite'));
      expect(line.messages[2]!.role).toBe('assistant');
      expect(extractSql(line.messages[2]!.content)).toBe(examples[i]!.sql);
    }
  });

  it('holds no schema: the adapter carries it', () => {
    const [system, user] = buildFtSqlMessages('how many rivers are there', 'postgresql');
    expect(system!.content).toContain('PostgreSQL');
    expect(user!.content).toBe('Question: how many rivers are there');
  });
});
