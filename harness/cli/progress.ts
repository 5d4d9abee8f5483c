// A progress bar on a terminal; nothing when output is not a TTY, under CI,
// or when asked to be quiet. The bar hides the cursor while it runs; if the
// command is interrupted (Ctrl-C, SIGTERM) the bar is stopped first, which
// shows the cursor again, and the signal then ends the process as it would
// have.

import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export function progress(label: string, quiet: boolean): Progress {
  if (quiet || !process.stderr.isTTY || process.env['CI'] !== undefined) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} cases`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  const interrupted = (signal: NodeJS.Signals): void => {
    stop();
    process.kill(process.pid, signal);
  };
  const stop = (): void => {
    if (!started) return;
    started = false;
    for (const s of SIGNALS) process.off(s, interrupted);
    bar.stop();
  };
  return {
    update(done, total) {
      if (!started) {
        started = true;
        for (const s of SIGNALS) process.once(s, interrupted);
        bar.start(total, 0);
      }
      bar.update(done);
    },
    stop,
  };
}
