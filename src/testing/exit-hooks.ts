/**
 * Last-resort cleanup: while a topology runs, a crash, `process.exit()` or a terminating signal
 * SIGKILLs its child processes synchronously so that nothing outlives the test process. One set of
 * process listeners serves every live topology; it is removed with the last one.
 */
const hooks = new Set<() => void>();
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function runHooks(): void {
  for (const hook of hooks) {
    try {
      hook();
    } catch {
      // Best effort at exit: one failing hook must not keep the others from running.
    }
  }
  hooks.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  runHooks();
  removeListeners();
  // Our listener replaced the default action (terminate); restore it unless someone else handles it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function removeListeners(): void {
  process.off('exit', runHooks);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/** Runs `hook` (synchronously) if the process exits or is signalled before it is removed. */
export function addExitHook(hook: () => void): void {
  if (hooks.size === 0) {
    process.on('exit', runHooks);
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
  hooks.add(hook);
}

/** Forgets a hook added with {@link addExitHook}. */
export function removeExitHook(hook: () => void): void {
  if (!hooks.delete(hook)) return;
  if (hooks.size === 0) removeListeners();
}
