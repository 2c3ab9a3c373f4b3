/**
 * Marshal's error classes. One small closed set of failure kinds, so reporters and exit
 * codes can switch on `kind` instead of matching message text.
 */

/** Every way a step, a host or a run can fail. Closed on purpose: reporters switch on it. */
export type FailureKind =
  | 'command' // a remote command exited non-zero
  | 'verify' // verify saw something other than what was expected
  | 'timeout' // the step ran past its timeout and was stopped
  | 'unreachable' // no connection: refused, timed out, name did not resolve
  | 'auth' // the server refused our credentials
  | 'hostkey' // known_hosts refused the server's key
  | 'connection-lost' // the connection dropped while a step ran
  | 'become' // sudo refused (wrong password, not allowed)
  | 'template' // a template failed to render (missing variable, bad helper)
  | 'interrupted' // the run was interrupted (SIGINT) while the step ran
  | 'error'; // a throw in the step's own code

/**
 * `instanceof` by brand, not by class identity: a playbook may load Marshal from another
 * path (dist vs src, a second install), and its errors must still be recognised.
 */
function branded<T extends abstract new (...args: any[]) => Error>(cls: T, brand: string): T {
  const key = Symbol.for(`marshal.error.${brand}`);
  Object.defineProperty(cls.prototype, key, { value: true });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value: (v: unknown) => typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[key] === true,
  });
  return cls;
}

/** Base class: a message for people plus the context that locates the problem. */
export class MarshalError extends Error {
  override name = 'MarshalError';
  /** File the problem is in, when it comes from a file (inventory, playbook, template). */
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  constructor(message: string, opts: { file?: string; line?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    if (opts.file !== undefined) this.file = opts.file;
    if (opts.line !== undefined) this.line = opts.line;
  }
  /** `file:line: message`, the form editors and terminals make clickable. */
  get located(): string {
    if (!this.file) return this.message;
    return `${this.file}${this.line ? `:${this.line}` : ''}: ${this.message}`;
  }
}

/** Bad user input: flags, inventory, playbook. Exit code 1, nothing runs. */
export class UsageError extends MarshalError {
  override name = 'UsageError';
}

/** An inventory that cannot be parsed or a host pattern that selects nothing valid. */
export class InventoryError extends UsageError {
  override name = 'InventoryError';
}

/** A playbook that does not load: syntax, type, throw at import, wrong export, duplicates. */
export class PlaybookError extends UsageError {
  override name = 'PlaybookError';
}

/** A failure while running a step on a host; `kind` says which. */
export class StepFailure extends MarshalError {
  override name = 'StepFailure';
  readonly kind: FailureKind;
  /** The command that failed, as sent (already quoted; secrets masked by the reporter). */
  command?: string;
  exitCode?: number | null;
  stderr?: string;
  stdout?: string;
  expected?: unknown;
  seen?: unknown;
  constructor(
    kind: FailureKind,
    message: string,
    extra: {
      command?: string;
      exitCode?: number | null;
      stderr?: string;
      stdout?: string;
      expected?: unknown;
      seen?: unknown;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: extra.cause });
    this.kind = kind;
    if (extra.command !== undefined) this.command = extra.command;
    if (extra.exitCode !== undefined) this.exitCode = extra.exitCode;
    if (extra.stderr !== undefined) this.stderr = extra.stderr;
    if (extra.stdout !== undefined) this.stdout = extra.stdout;
    if ('expected' in extra) this.expected = extra.expected;
    if ('seen' in extra) this.seen = extra.seen;
  }
}

/** Connection-level failures: the host is out of the play, not just one step. */
export class ConnectionError extends StepFailure {
  override name = 'ConnectionError';
}

branded(MarshalError, 'MarshalError');
branded(UsageError, 'UsageError');
branded(InventoryError, 'InventoryError');
branded(PlaybookError, 'PlaybookError');
branded(StepFailure, 'StepFailure');
branded(ConnectionError, 'ConnectionError');
