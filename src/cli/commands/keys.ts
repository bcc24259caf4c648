import type { Command } from 'commander';
import { UsageError } from '../../errors.ts';
import { createKey, listKeys, OPERATIONS, revokeKey, type Operation } from '../../server/keys.ts';
import { cliContext, output } from '../context.ts';

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

export function registerKeys(program: Command): void {
  const keys = program
    .command('keys')
    .description('API keys for `attune serve`: scoped to collections, operations and access labels');

  keys
    .command('create')
    .description('create a key and print it once (only its salted hash is stored in <home>/keys.json)')
    .requiredOption('--collections <names>', 'comma-separated collections, or "*" for all')
    .option('--ops <ops>', `comma-separated: ${OPERATIONS.join(', ')} (admin implies all)`, 'read')
    .option(
      '--labels <labels>',
      'access labels the key holds, comma-separated; "*" for all; none → only unlabelled chunks',
    )
    .option('--name <name>', 'a name to recognise the key by')
    .option('--json', 'print {key, id, collections, ops, labels} as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  attune keys create --collections handbook,wiki --ops read --labels staff,hr\n  attune keys create --collections "*" --ops admin --labels "*" --name ops-team',
    )
    .action(
      (
        flags: { collections: string; ops: string; labels?: string; name?: string; json?: boolean },
        command: Command,
      ) => {
        const { home } = cliContext(command);
        const ops = list(flags.ops);
        const unknown = ops.find((op) => !(OPERATIONS as readonly string[]).includes(op));
        if (unknown) throw new UsageError(`--ops: unknown operation "${unknown}" (known: ${OPERATIONS.join(', ')})`);
        const labels = flags.labels === '*' ? undefined : list(flags.labels);
        const { key, scope } = createKey(home, {
          name: flags.name,
          collections: list(flags.collections),
          ops: ops as Operation[],
          labels,
        });
        output(
          flags.json,
          { key, ...scope, labels: scope.labels ?? '*' },
          () =>
            `${key}\n(store it now: it is not shown again) id=${scope.id} collections=${scope.collections.join(',')} ops=${scope.ops.join(',')} labels=${scope.labels?.join(',') ?? '*'}`,
        );
      },
    );

  keys
    .command('list')
    .description('list keys (ids and scopes; never the keys themselves)')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExample:\n  attune keys list --json')
    .action((flags: { json?: boolean }, command: Command) => {
      const scopes = listKeys(cliContext(command).home);
      output(flags.json, scopes, () =>
        scopes.length === 0
          ? '(no keys)'
          : scopes
              .map(
                (s) =>
                  `${s.id}  ${s.name}  collections=${s.collections.join(',')} ops=${s.ops.join(',')} labels=${s.labels?.join(',') ?? '*'}`,
              )
              .join('\n'),
      );
    });

  keys
    .command('revoke')
    .argument('<id>', 'key id or name from `attune keys list`')
    .description('revoke a key: requests with it get 401 from then on')
    .addHelpText('after', '\nExample:\n  attune keys revoke 3f2a9c01b7d4')
    .action((id: string, _flags: unknown, command: Command) => {
      if (!revokeKey(cliContext(command).home, id)) throw new UsageError(`no key with id or name "${id}"`);
      process.stdout.write(`revoked ${id}\n`);
    });
}
