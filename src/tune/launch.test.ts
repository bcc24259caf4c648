import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/config.ts';
import {
  describeRankFailure,
  isDistributed,
  launchArguments,
  parseRankFailure,
  rankLogTail,
  rendezvousPort,
  resolveLaunch,
} from './launch.ts';

// what torchrun (under `accelerate launch`) printed when rank 1 of 2 was killed with kill -9
const ROOT_CAUSE = `torch.distributed.elastic.multiprocessing.errors.ChildFailedError:
======================================================
train_worker.py FAILED
------------------------------------------------------
Failures:
[1]:
  time      : 2026-12-01_09:20:49
  host      : localhost
  rank      : 0 (local_rank: 0)
  exitcode  : -15 (pid: 4426)  (SIGTERM)
  error_file: <N/A>
  traceback : Signal 15 (SIGTERM) received by PID 4426
------------------------------------------------------
Root Cause (first observed failure):
[0]:
  time      : 2026-12-01_09:20:49
  host      : localhost
  rank      : 1 (local_rank: 1)
  exitcode  : -9 (pid: 4427)  (SIGKILL)
  error_file: <N/A>
  traceback : Signal 9 (SIGKILL) received by PID 4427
======================================================`;

describe('accelerate launch', () => {
  it('launches one machine with N processes on a given port, and several machines with the main address', () => {
    const one = launchArguments({ processes: 2 }, 40123);
    expect(one.slice(0, 3)).toEqual(['-m', 'accelerate.commands.launch', '--multi_gpu']);
    expect(one.join(' ')).toContain('--num_processes 2 --num_machines 1 --machine_rank 0');
    expect(one.join(' ')).toContain('--main_process_port 40123');
    expect(one).not.toContain('--main_process_ip');
    const many = launchArguments(
      { processes: 8, numMachines: 2, machineRank: 1, mainProcessIp: '10.0.0.1', mixedPrecision: 'bf16' },
      29500,
    ).join(' ');
    // accelerate counts the processes of all machines together
    expect(many).toContain('--num_processes 16 --num_machines 2 --machine_rank 1 --main_process_ip 10.0.0.1');
    expect(many).toContain('--mixed_precision bf16');
    expect(isDistributed({ processes: 1 })).toBe(false);
    expect(isDistributed(undefined)).toBe(false);
    expect(isDistributed({ processes: 2 })).toBe(true);
    expect(isDistributed({ numMachines: 2, mainProcessIp: 'x' })).toBe(true);
  });

  it('picks a free port on one machine and 29500 across machines unless one is set', async () => {
    const port = await rendezvousPort({ processes: 2 });
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65536);
    expect(await rendezvousPort({ numMachines: 2, mainProcessIp: 'x' })).toBe(29500);
    expect(await rendezvousPort({ processes: 2, mainProcessPort: 1234 })).toBe(1234);
  });

  it('merges the config block with the flags (flags win) and names the flag of a bad value', () => {
    expect(resolveLaunch({ processes: 4, mixedPrecision: 'bf16' }, { processes: 2 })).toEqual({
      processes: 2,
      mixedPrecision: 'bf16',
    });
    expect(() => resolveLaunch({ numMachines: 2, mainProcessIp: 'h' }, { machineRank: 2 })).toThrow(
      /^--machine-rank \(training\.machineRank in the config\): must be below numMachines \(2\)/,
    );
    expect(() => resolveLaunch(undefined, { numMachines: 2 })).toThrow(/--main-process-ip .*is needed/);
    expect(resolveLaunch({ sharding: 'fsdp' }, { processes: 2 })).toEqual({ processes: 2, sharding: 'fsdp' });
    expect(() => resolveLaunch(undefined, { sharding: 'fsdp' })).toThrow(
      /^--sharding \(training\.sharding in the config\): fsdp shards over processes: it needs --processes 2 or more/,
    );
    expect(() => resolveLaunch(undefined, { processes: 2, sharding: 'fsdp', mixedPrecision: 'fp16' })).toThrow(
      /^--sharding .*fp32 or bf16/,
    );
    expect(() => resolveLaunch(undefined, { processes: 2, sharding: 'zero3' as 'fsdp' })).toThrow(/^--sharding /);
    expect(parseConfig({ training: { processes: 2 } }).training).toEqual({ processes: 2 });
    expect(() => parseConfig({ training: { processes: 0 } })).toThrow(/field "training.processes"/);
    expect(() => parseConfig({ training: { gpus: 2 } })).toThrow(/field "training"/);
  });

  it("reads the launcher's root cause and names the rank, its signal and its last stderr lines", async () => {
    const failure = parseRankFailure(`noise\n${ROOT_CAUSE}`);
    expect(failure).toEqual({ rank: 1, exitCode: -9, signal: 'SIGKILL', pid: 4427 });
    expect(parseRankFailure('Traceback: something else')).toBeUndefined();
    const runDir = await mkdtemp(join(tmpdir(), 'attune-ranks-'));
    await mkdir(join(runDir, 'ranks'));
    await writeFile(join(runDir, 'ranks', 'rank-1.log'), `one\ntwo\n\nthree\rthree again\n${'x'.repeat(300)}\n`);
    const tail = rankLogTail(runDir, 1);
    expect(tail).toEqual(['three', 'three again', `${'x'.repeat(199)}…`]);
    expect(rankLogTail(runDir, 5)).toEqual([]);
    const message = describeRankFailure(failure!, 2, tail);
    expect(message).toBe(
      `training failed: rank 1 of 2 (pid 4427) was killed by SIGKILL; its last stderr lines: three | three again | ${'x'.repeat(199)}…: rerun the same command to resume from the last checkpoint`,
    );
    expect(describeRankFailure({ rank: 3, exitCode: 1 }, 4, [])).toMatch(
      /^training failed: rank 3 of 4 exited with code 1; no stderr lines of it here/,
    );
  });
});
