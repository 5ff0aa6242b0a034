// Ctrl-C (SIGINT), SIGTERM and SIGHUP (a closed terminal, a dropped ssh session) during training: the first one
// asks the loop to stop after the current step, save a checkpoint and exit 130; a second one quits at once (the
// last checkpoint stays valid: checkpoints are written atomically). JavaScript runs a signal handler only between
// steps, so the loop yields to the event loop after every step (trainer.ts) for the request to be seen.
export const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * After SIGHUP the terminal is gone: writing a message there fails (EIO, EPIPE) and an unhandled stream error
 * would end the process before the checkpoint is saved. Those errors are dropped from then on.
 */
function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) if (stream.listenerCount('error') === 0) stream.on('error', () => undefined);
}

export class StopRequest {
  /** What asked to stop ('SIGINT', 'SIGTERM', 'SIGHUP', 'abort'), or null. */
  reason: string | null = null;
  private readonly cleanups: (() => void)[] = [];

  constructor(opts: {
    signals: boolean;
    abort?: AbortSignal;
    /** Called on the first request (e.g. to print "finishing the step..."). */
    onFirst?: (reason: string) => void;
    /** Called on a second signal; should record the state synchronously and exit. */
    onSecond?: (reason: string) => void;
  }) {
    const request = (reason: string) => {
      if (this.reason === null) {
        this.reason = reason;
        opts.onFirst?.(reason);
      } else if (reason !== 'abort') {
        opts.onSecond?.(reason);
      }
    };
    if (opts.signals) {
      for (const sig of STOP_SIGNALS) {
        const h = () => {
          if (sig === 'SIGHUP') ignoreClosedOutput();
          request(sig);
        };
        process.on(sig, h);
        this.cleanups.push(() => process.off(sig, h));
      }
    }
    if (opts.abort) {
      const h = () => request('abort');
      if (opts.abort.aborted) request('abort');
      else {
        opts.abort.addEventListener('abort', h, { once: true });
        this.cleanups.push(() => opts.abort!.removeEventListener('abort', h));
      }
    }
  }

  get requested(): boolean {
    return this.reason !== null;
  }

  dispose(): void {
    for (const c of this.cleanups.splice(0)) c();
  }
}

/** Lets pending signal handlers and I/O callbacks run (setImmediate: after I/O, no timer delay). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
