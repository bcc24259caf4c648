import { execFile as execFileCallback, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { TrainerError } from '../errors.ts';
import { cacheDir } from '../paths.ts';

const execFile = promisify(execFileCallback);

/** The Python folder shipped with attune (worker scripts and pinned requirements). */
export const PYTHON_DIR = fileURLToPath(new URL('../../python/', import.meta.url));

/** System Python used to create the venv; override with ATTUNE_PYTHON. */
export async function findPython(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  for (const candidate of [env.ATTUNE_PYTHON, 'python3', 'python'].filter(Boolean) as string[]) {
    try {
      const { stdout } = await execFile(candidate, ['-c', 'import sys;print(sys.version_info[:2]>=(3,10))']);
      if (stdout.trim() === 'True') return candidate;
    } catch {
      // try the next one
    }
  }
  throw new TrainerError('no Python >= 3.10 found: install python3 (with pip and venv) or set ATTUNE_PYTHON');
}

/**
 * Creates (once) the project-managed venv with the pinned requirements and returns its python.
 * The folder name carries the requirements' hash, so a change of pins makes a new venv.
 */
export async function ensurePythonEnv(
  options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const requirements = join(PYTHON_DIR, 'requirements.txt');
  const hash = createHash('sha256')
    .update(await readFile(requirements))
    .digest('hex')
    .slice(0, 12);
  const dir = join(cacheDir(env), `venv-${hash}`);
  const python = join(dir, 'bin', 'python');
  if (existsSync(join(dir, '.complete'))) return python;
  const system = await findPython(env);
  options.log?.(`creating the Python environment for attune's worker (once): ${dir}`);
  // venv scripts carry absolute paths, so it is built in place; `.complete` marks a finished one
  await rm(dir, { recursive: true, force: true });
  await mkdir(cacheDir(env), { recursive: true });
  await run(system, ['-m', 'venv', dir]);
  await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements]);
  await writeFile(join(dir, '.complete'), new Date().toISOString());
  return python;
}

export function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (data: Buffer) => (stderr = (stderr + data.toString()).slice(-4000)));
    child.on('error', (error) =>
      reject(new TrainerError(`could not run ${command}: ${error.message}`, { cause: error })),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve()
        : reject(
            new TrainerError(`${command} ${args.slice(0, 3).join(' ')} failed (exit ${code}): ${lastLine(stderr)}`, {
              cause: stderr,
            }),
          ),
    );
  });
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).at(-1) ?? 'no output';
}
