import { describe, expect, it } from 'vitest';
import { redactUrl } from './redact-url.ts';

describe('redactUrl', () => {
  it('masks the password of a connection string, keeps user, host and database', () => {
    expect(redactUrl('postgres://attune:s3cr%40t@db.example:5432/rag')).toBe(
      'postgres://attune:***@db.example:5432/rag',
    );
  });

  it('masks secret query parameters and leaves the others', () => {
    expect(redactUrl('https://api.example/v1?api_key=abc123&model=x')).toBe(
      'https://api.example/v1?api_key=***&model=x',
    );
    expect(redactUrl('postgres://h/db?sslmode=require&password=p')).toBe(
      'postgres://h/db?sslmode=require&password=***',
    );
  });

  it('leaves a URL without secrets as it was, and masks user:password@ even in text that is not a URL', () => {
    expect(redactUrl('http://localhost:8000/v1')).toBe('http://localhost:8000/v1');
    expect(redactUrl('not a url //me:pw@host')).toBe('not a url //me:***@host');
  });
});
