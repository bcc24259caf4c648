/** Query parameters whose values are secrets, in connection strings and endpoint URLs. */
const SECRET_PARAMS = /^(password|passwd|pwd|api[-_]?key|key|token|access[-_]?token|secret|sslpassword)$/i;

/**
 * A URL as it may be printed in an error, a log or a report: the password of `user:password@host` and the
 * values of secret query parameters (`?api_key=…`, `?password=…`) become `***`. Text that is not a URL
 * keeps its shape, with any `user:password@` part still masked.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
  }
  if (parsed.password) parsed.password = '***';
  for (const name of [...parsed.searchParams.keys()])
    if (SECRET_PARAMS.test(name)) parsed.searchParams.set(name, '***');
  // URL re-encodes "***" in the password as "%2A%2A%2A" in some runtimes: print it plainly
  return parsed.toString().replaceAll('%2A%2A%2A', '***');
}
