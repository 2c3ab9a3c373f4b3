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

/** What a failed check read: the command that gave the value and the line of its output it came from. */
export interface Evidence {
  command: string;
  /** The output line the value was read from (omitted when the output was empty). */
  line?: string;
}

/**
 * Which error it is: the one discriminator. The brand is a `Symbol.for` key, so an error made by
 * another copy of Marshal (a playbook's own install, dist beside src) is still recognised by the
 * type guards below; `instanceof` is plain JavaScript and holds only within one copy.
 */
export type MarshalErrorCode = 'usage' | 'inventory' | 'playbook' | 'step' | 'fact-parse';

const BRAND = Symbol.for('marshal.error');

/** Base class: a message for people plus the context that locates the problem. */
export abstract class MarshalError extends Error {
  override name = 'MarshalError';
  abstract readonly code: MarshalErrorCode;
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
  readonly code: 'usage' | 'inventory' | 'playbook' = 'usage';
}

/** An inventory that cannot be parsed or a host pattern that selects nothing valid. */
export class InventoryError extends UsageError {
  override name = 'InventoryError';
  override readonly code = 'inventory';
}

/** A playbook that does not load: syntax, type, throw at import, wrong export, duplicates. */
export class PlaybookError extends UsageError {
  override name = 'PlaybookError';
  override readonly code = 'playbook';
}

/** A failure while running a step on a host; `kind` says which. */
export class StepFailure extends MarshalError {
  override name = 'StepFailure';
  readonly code = 'step';
  /** What went wrong: step failures are told apart by this, never by their class. */
  readonly kind: FailureKind;
  /** The command that failed, as sent (already quoted; secrets masked by the reporter). */
  command?: string;
  exitCode?: number | null;
  stderr?: string;
  stdout?: string;
  expected?: unknown;
  seen?: unknown;
  /** What each problem was read from; when present the engine does not guess (no last command appended). */
  evidence?: Evidence[];
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
      evidence?: readonly Evidence[];
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
    if (extra.evidence && extra.evidence.length > 0) this.evidence = [...extra.evidence];
  }
}

/** Connection-level failures (kind unreachable, auth or hostkey): the host is out of the play. */
export class ConnectionError extends StepFailure {
  override name = 'ConnectionError';
  constructor(kind: ConnectionFailureKind, message: string, extra: ConstructorParameters<typeof StepFailure>[2] = {}) {
    super(kind, message, extra);
  }
}

/** A parser that does not recognise its input (facts); the engine adds host and command. */
export class FactParseError extends MarshalError {
  override name = 'FactParseError';
  readonly code = 'fact-parse';
  constructor(
    readonly fact: string,
    message: string,
  ) {
    super(`${fact}: ${message}`);
  }
}

Object.defineProperty(MarshalError.prototype, BRAND, { value: true });

const CONNECTION_KINDS: ReadonlySet<FailureKind> = new Set(['unreachable', 'auth', 'hostkey']);
export type ConnectionFailureKind = 'unreachable' | 'auth' | 'hostkey';

/** Any error Marshal made, from this copy of Marshal or another. */
export function isMarshalError(e: unknown): e is MarshalError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/** Bad input (flags, inventory, playbook): exit 1, nothing runs. */
export function isUsageError(e: unknown): e is UsageError {
  return isMarshalError(e) && (e.code === 'usage' || e.code === 'inventory' || e.code === 'playbook');
}

export function isInventoryError(e: unknown): e is InventoryError {
  return isMarshalError(e) && e.code === 'inventory';
}

export function isPlaybookError(e: unknown): e is PlaybookError {
  return isMarshalError(e) && e.code === 'playbook';
}

/** A failure of a step on a host; `kind` says which. */
export function isStepFailure(e: unknown): e is StepFailure {
  return isMarshalError(e) && e.code === 'step';
}

/** A step failure that takes the host out of the play: no connection, refused credentials or host key. */
export function isConnectionError(e: unknown): e is StepFailure & { kind: ConnectionFailureKind } {
  return isStepFailure(e) && CONNECTION_KINDS.has(e.kind);
}

export function isFactParseError(e: unknown): e is FactParseError {
  return isMarshalError(e) && e.code === 'fact-parse';
}
