import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../errors.ts';

/**
 * How many processes train, on how many machines: `training` in attune.config.json and the
 * `attune tune --processes …` flags. More than one process runs the worker under Hugging Face
 * `accelerate launch` (DDP: NCCL on GPUs, gloo on CPUs); `processes` counts the processes of this machine.
 */
export const TrainingLaunchFields = z
  .object({
    /** Processes on this machine: one per GPU, or several CPU processes (each gets cores / processes threads). */
    processes: z.number().int().min(1).max(256).optional(),
    /** Autocast precision of the forward pass (bf16 on CPUs and Ampere+ GPUs; fp16 on older GPUs). */
    mixedPrecision: z.enum(['no', 'fp16', 'bf16']).optional(),
    /**
     * ddp (default): every process holds the whole model. fsdp: torch's FSDP2 shards every weight over the
     * processes (each holds 1/N), for a base that does not fit one device; fp32 or bf16.
     */
    sharding: z.enum(['ddp', 'fsdp']).optional(),
    numMachines: z.number().int().min(1).max(1024).optional(),
    /** This machine's index, 0 for the main machine (whose address is mainProcessIp). */
    machineRank: z.number().int().min(0).max(1023).optional(),
    mainProcessIp: z.string().min(1).optional(),
    /** The main machine's rendezvous port (default 29500 across machines; a free port on one machine). */
    mainProcessPort: z.number().int().min(1).max(65535).optional(),
    /** An `accelerate config` YAML file; attune's own settings above take precedence over it. */
    accelerateConfig: z.string().min(1).optional(),
  })
  .strict();

/** The fields together: a machine rank below the machine count, an address when there are several machines. */
export const TrainingLaunchSchema = TrainingLaunchFields.superRefine((launch, ctx) => {
  const machines = launch.numMachines ?? 1;
  if ((launch.machineRank ?? 0) >= machines)
    ctx.addIssue({ code: 'custom', path: ['machineRank'], message: `must be below numMachines (${machines})` });
  if (launch.sharding === 'fsdp' && (launch.processes ?? 1) * machines < 2)
    ctx.addIssue({
      code: 'custom',
      path: ['sharding'],
      message: 'fsdp shards over processes: it needs --processes 2 or more',
    });
  if (launch.sharding === 'fsdp' && launch.mixedPrecision === 'fp16')
    ctx.addIssue({
      code: 'custom',
      path: ['sharding'],
      message: 'fsdp trains in fp32 or bf16: pass --mixed-precision bf16 or no',
    });
  if (machines > 1 && !launch.mainProcessIp)
    ctx.addIssue({
      code: 'custom',
      path: ['mainProcessIp'],
      message: 'is needed with more than one machine (the main machine address)',
    });
});

export type TrainingLaunch = z.infer<typeof TrainingLaunchSchema>;

const FLAGS: Record<string, string> = {
  processes: '--processes',
  mixedPrecision: '--mixed-precision',
  sharding: '--sharding',
  numMachines: '--num-machines',
  machineRank: '--machine-rank',
  mainProcessIp: '--main-process-ip',
  mainProcessPort: '--main-process-port',
  accelerateConfig: '--accelerate-config',
};

/** The config file's `training` block with the command's flags over it, checked together. */
export function resolveLaunch(fromConfig: TrainingLaunch | undefined, fromFlags: TrainingLaunch): TrainingLaunch {
  const merged = { ...fromConfig, ...Object.fromEntries(Object.entries(fromFlags).filter(([, v]) => v !== undefined)) };
  const parsed = TrainingLaunchSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  throw new UsageError(`${FLAGS[field] ?? field} (training.${field} in the config): ${issue.message}`);
}

/** True when the worker runs under `accelerate launch` rather than as one plain process. */
export function isDistributed(launch: TrainingLaunch | undefined): boolean {
  return (launch?.processes ?? 1) > 1 || (launch?.numMachines ?? 1) > 1;
}

/** `python -m accelerate.commands.launch …` up to (not including) the worker script. */
export function launchArguments(launch: TrainingLaunch, port: number): string[] {
  const processes = launch.processes ?? 1;
  const machines = launch.numMachines ?? 1;
  return [
    '-m',
    'accelerate.commands.launch',
    ...(launch.accelerateConfig ? ['--config_file', launch.accelerateConfig] : []),
    // the torchrun launcher: one process per GPU with CUDA, gloo CPU processes without (the worker picks)
    '--multi_gpu',
    // accelerate counts the processes of all machines together
    ...['--num_processes', String(processes * machines), '--num_machines', String(machines)],
    ...['--machine_rank', String(launch.machineRank ?? 0)],
    ...(launch.mainProcessIp ? ['--main_process_ip', launch.mainProcessIp] : []),
    ...['--main_process_port', String(port)],
    ...['--mixed_precision', launch.mixedPrecision ?? 'no', '--dynamo_backend', 'no'],
    // a dead rank is noticed within a second, and the others are stopped
    ...['--monitor_interval', '1', '--max_restarts', '0'],
  ];
}

/** The rendezvous port: the configured one, 29500 across machines (all must agree), else a free one here. */
export async function rendezvousPort(launch: TrainingLaunch): Promise<number> {
  if (launch.mainProcessPort) return launch.mainProcessPort;
  if ((launch.numMachines ?? 1) > 1) return 29500;
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 29500));
    });
  });
}

export interface RankFailure {
  rank: number;
  exitCode: number;
  /** SIGKILL etc., when a signal ended the rank. */
  signal?: string;
  pid?: number;
}

/** The launcher's (torchrun's) "Root Cause (first observed failure)" block from its stderr. */
export function parseRankFailure(stderr: string): RankFailure | undefined {
  const block = stderr.split('Root Cause (first observed failure)')[1];
  if (!block) return undefined;
  const rank = /rank\s*:\s*(\d+)/.exec(block);
  const exit = /exitcode\s*:\s*(-?\d+)(?:\s*\(pid:\s*(\d+)\))?(?:\s*\((SIG[A-Z]+)\))?/.exec(block);
  if (!rank || !exit) return undefined;
  return {
    rank: Number(rank[1]),
    exitCode: Number(exit[1]),
    ...(exit[3] ? { signal: exit[3] } : {}),
    ...(exit[2] ? { pid: Number(exit[2]) } : {}),
  };
}

/** The last lines a rank wrote to stderr (the worker keeps them in <runDir>/ranks/rank-<n>.log). */
export function rankLogTail(runDir: string, rank: number, lines = 3): string[] {
  try {
    // progress bars rewrite one line with \r: each redraw counts as a line, and long lines are cut
    return readFileSync(join(runDir, 'ranks', `rank-${rank}.log`), 'utf8')
      .split(/[\r\n]+/)
      .map((line) => line.trim())
      .filter(Boolean)
      .slice(-lines)
      .map((line) => (line.length > 200 ? `${line.slice(0, 199)}…` : line));
  } catch {
    return [];
  }
}

/** One line: which rank failed, how, its last words, and what to do. */
export function describeRankFailure(failure: RankFailure, processes: number, tail: string[]): string {
  const how = failure.signal ? `was killed by ${failure.signal}` : `exited with code ${failure.exitCode}`;
  const words =
    tail.length > 0
      ? `; its last stderr lines: ${tail.join(' | ')}`
      : '; no stderr lines of it here (a rank on another machine keeps its log there)';
  return `training failed: rank ${failure.rank} of ${processes}${failure.pid ? ` (pid ${failure.pid})` : ''} ${how}${words}: rerun the same command to resume from the last checkpoint`;
}
