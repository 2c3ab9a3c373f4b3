/**
 * Signals during `marshal run`. Ctrl-C (SIGINT): the first starts no new step and lets running
 * ones finish, the second stops running commands, the third exits at once. SIGTERM and SIGHUP
 * (CI cancellation, `systemctl stop`, `timeout(1)`, a closed terminal) stop running commands at
 * once, like a second Ctrl-C: the recap, report and log are still written and whatever Marshal
 * started on the hosts is stopped before it exits (128 + the signal's number: 143, 129).
 */
import type { Interrupt } from '../results/results';
import { closePrompts } from './prompt';

export interface Interrupts {
  /** Aborted on the first signal: start no new steps. Its reason is the Interrupt. */
  soft: AbortSignal;
  /** Aborted when running commands must stop now. */
  hard: AbortSignal;
  dispose(): void;
}

const STOP_NOW: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];

export function watchInterrupts(say: (line: string) => void): Interrupts {
  const soft = new AbortController();
  const hard = new AbortController();
  let ctrlC = 0;
  const first = (signal: NodeJS.Signals) => {
    if (!soft.signal.aborted) soft.abort({ signal } satisfies Interrupt);
  };
  const onSigint = () => {
    ctrlC += 1;
    if (ctrlC === 1 && !soft.signal.aborted) {
      say('[interrupted] no new steps will start; running steps finish (Ctrl-C again to stop them now)');
      first('SIGINT');
    } else if (!hard.signal.aborted) {
      say('[interrupted] stopping running commands');
      first('SIGINT');
      hard.abort();
    } else process.exit(130);
  };
  const onStopNow = (signal: NodeJS.Signals) => {
    if (hard.signal.aborted) return; // already stopping: the commands' kills are under way
    say(`[${signal}] stopping running commands`);
    first(signal);
    hard.abort();
  };
  process.on('SIGINT', onSigint);
  for (const s of STOP_NOW) process.on(s, onStopNow);
  return {
    soft: soft.signal,
    hard: hard.signal,
    dispose() {
      process.off('SIGINT', onSigint);
      for (const s of STOP_NOW) process.off(s, onStopNow);
    },
  };
}

/**
 * Runs a command's work with signals watched, sets the exit code from its summary, and always
 * closes the prompts and stops watching: `run` and `exec` end the same way.
 */
export async function underInterrupts(work: (signals: { signal: AbortSignal; hardSignal: AbortSignal }) => Promise<{ exitCode: number }>): Promise<void> {
  const interrupts = watchInterrupts((line) => process.stderr.write(`\n${line}\n`));
  try {
    process.exitCode = (await work({ signal: interrupts.soft, hardSignal: interrupts.hard })).exitCode;
  } finally {
    closePrompts();
    interrupts.dispose();
  }
}
