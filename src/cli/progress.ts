import cliProgress from 'cli-progress';

/** A progress bar on stderr with rate and ETA, shown on a terminal (or always, with `force`: `--progress`); returns update/stop. */
export function progressBar(
  label: string,
  options: { force?: boolean } = {},
): { update: (done: number, total: number, phase?: string) => void; stop: () => void } {
  if (!options.force && !process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} {phase} [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const startedAt = Date.now();
  let lastPhase = '';
  return {
    update(done, total, phase = '') {
      if (!started || phase !== lastPhase) {
        if (started) bar.stop();
        bar.start(total, done, { phase, rate: '0' });
        started = true;
        lastPhase = phase;
      }
      const seconds = (Date.now() - startedAt) / 1000;
      bar.update(done, { phase, rate: seconds > 0 ? (done / seconds).toFixed(1) : '0' });
    },
    stop: () => started && bar.stop(),
  };
}
