/**
 * Housekeeping that runs on a timer (expiring idle uploads, expiring old
 * replies). The timer is unref'd, so it never keeps the process alive; a run
 * still going when the next is due is not started twice; a failure is
 * reported and the next run tries again.
 */

export interface PeriodicTask {
  /** Stops the timer (a run in progress finishes). */
  stop(): void;
}

/** Runs `task` every `intervalMs`, reporting failures to `onError`. */
export function startPeriodicTask(
  intervalMs: number,
  task: () => Promise<unknown>,
  onError: (error: unknown) => void,
): PeriodicTask {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
    },
  };
}
