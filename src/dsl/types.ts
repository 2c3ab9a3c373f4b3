/**
 * The public authoring types. A playbook is data: an ordered list of steps, each with a
 * read-only `check`, a `run` that changes things, and a read-only `verify`.
 */
import type { Command } from './command';
import type { Fact } from './fact';
import type { StandardSchemaV1 } from './schema';
import type { ExecResult } from '../connection/types';
import type { GroupOutcome } from '../results/group-summary';

export type Vars = Record<string, unknown>;

/**
 * A label a step declares for a risky change (e.g. 'firmware', 'reboot'): the run shows it on the
 * step and lists every such change again after the recap. Playbooks choose their own labels.
 */
export type Risk = string;

/**
 * How hosts are grouped (across-steps, batchBy): each host's key, or undefined when the host has
 * none. `byVar('rack')` groups by a var; `label` names the grouping in listings and errors.
 */
export type GroupKey = ((host: { readonly name: string; readonly vars: Readonly<Vars> }) => string | undefined) & {
  readonly label?: string;
};

export interface RunOptions {
  /** Exit codes that are not failures (default [0]). */
  okExitCodes?: readonly number[];
  /** Text for stdin. */
  stdin?: string;
  /** Override the step's become for this command. */
  become?: boolean | string;
}

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

/** What a step's functions get for one host. `V` types `vars` so editors complete them. */
export interface HostContext<V extends object = Vars> {
  /** Inventory name. */
  readonly name: string;
  /** Address connected to (ansible_host or the name). */
  readonly address: string;
  /** Defaults < inventory (group then host) < playbook vars < -e extra vars. */
  readonly vars: Readonly<V>;
  readonly groups: readonly string[];
  /** True under --check: nothing may change. */
  readonly checkMode: boolean;
  readonly diffMode: boolean;
  /** Values registered by earlier steps on this host (`register`), untyped; `get` is the typed way. */
  readonly registered: Readonly<Record<string, unknown>>;
  /**
   * The value a step registered on this host, typed by what its `run` returned: pass the step
   * itself (it must have `register`) or a `register<T>('name')` key. Fails the step when nothing
   * was registered here (the step was skipped, failed or not selected on this host).
   */
  get<T>(from: RegisterKey<T> | Registers<T>): T;
  /** Runs a quoted command; throws a `command` failure on an exit code not in okExitCodes. */
  run(cmd: Command, opts?: RunOptions): Promise<ExecResult>;
  /** Runs a command and says whether it exited 0; never throws for the exit code. */
  test(cmd: Command, opts?: Omit<RunOptions, 'okExitCodes'>): Promise<boolean>;
  /** Gathers a fact now (command + parser); parse errors name the host and the command. */
  fact<T, A extends unknown[]>(fact: Fact<T, A>, ...args: A): Promise<T>;
  /** Renders a template (handlebars, strict: a missing variable is an error). */
  render(template: string, data: Record<string, unknown>): string;
  /**
   * Writes a file on the host when its content differs; returns whether it changed.
   * Under --diff the unified diff is reported (`secret: true`: only that it differs); under --check nothing is written.
   */
  put(path: string, content: string | Buffer, opts?: { mode?: number; secret?: boolean }): Promise<{ changed: boolean }>;
  /** Records the unified diff of `path` (before → after) under --diff; nothing otherwise. `undefined` before: a new file. */
  diff(path: string, before: string | undefined, after: string): void;
  /** Facts cached for this host for the whole run; operations that change them invalidate them. */
  readonly facts: FactCache;
  /**
   * Drops the host's connection and connects again (after a reboot): retries for up to `timeout`
   * seconds (default 0: one attempt) while the host does not answer. Rejects with the last
   * connection error (a step failure, not "unreachable"), or when the step is stopped.
   */
  reconnect(opts?: { timeout?: number }): Promise<void>;
  /** A line shown under the step's result and kept in the report. */
  note(msg: string): void;
  /** A warning shown under the step's result and kept in the report. */
  warn(msg: string): void;
  readonly log: Logger;
}

/** The per-host fact cache behind `h.facts`. */
export interface FactCache {
  /** The cached value, gathered (once) when not cached yet. */
  get<T, A extends unknown[]>(fact: Fact<T, A>, ...args: A): Promise<T>;
  /** Gathers now and caches the fresh value. */
  refresh<T, A extends unknown[]>(fact: Fact<T, A>, ...args: A): Promise<T>;
  /** Forgets a fact (for these args, or all of its args), or every fact when none is given. */
  invalidate<A extends unknown[]>(fact?: Fact<unknown, A>, ...args: A | []): void;
}

/** A step's `run` may return this to say "nothing needed doing" (status ok, not changed). */
export interface Unchanged<T = unknown> {
  readonly __marshalUnchanged: true;
  readonly value?: T;
}

/** A typed name for a registered value: `const version = register<string>('version')`, then `h.get(version)`. */
export interface RegisterKey<T> {
  readonly kind: 'marshal.register';
  readonly name: string;
  /** Type only: never set. */
  readonly __value?: T;
}

/** Anything that registers a value of type T (a step made with `register`). */
export interface Registers<T> {
  readonly kind: 'host';
  readonly name: string;
  readonly register?: string;
  /** Type only: never set. */
  readonly __registers?: T;
}

/** What a loop step registers for one item (Ansible's `results[]`). */
export interface LoopItemResult<I, R = unknown> {
  readonly item: I;
  readonly label: string;
  readonly status: 'ok' | 'changed' | 'skipped' | 'failed' | 'unreachable';
  /** What `run` returned for this item (absent when run did not run). */
  readonly value?: R;
}

/** A loop step's items, after `when` is applied per item: Ansible's `loop` and `loop_control.label`. */
export interface LoopSpec<V extends object = Vars> {
  readonly items: readonly unknown[] | ((h: HostContext<V>) => readonly unknown[] | Promise<readonly unknown[]>);
  /** The step one item runs (check → run → verify), named `<loop name> (<label>)`, and the item's label. */
  readonly each: (item: any, index: number) => { readonly step: HostStep<V>; readonly label: string };
}

export interface StepCommon<V extends object> {
  /** Unique in the playbook: shown in output and reports, used by --start-at-task (an operation's default describes it, e.g. "file /etc/motd"). */
  name: string;
  /** Host pattern narrowing the play's hosts for this step (Ansible pattern syntax). */
  hosts?: string;
  /** Run only under --tags that name one of these (Ansible's tags, with `always` and `never`). */
  tags?: readonly string[];
  /** Seconds; the remote commands are stopped when it expires. */
  timeout?: number;
  /** Declares a risky change by label (e.g. 'firmware', 'reboot'): shown on the step and after the recap. */
  risk?: Risk;
  /** Keep going on this host when the step fails (counted as `ignored`). */
  ignoreErrors?: boolean;
  /** Where the step was defined (file:line), filled in by step(). */
  readonly definedAt?: string;
  /** For a step made by a library function: the playbook line that called it (file:line). */
  readonly usedAt?: string;
  /** Set by playbook() on the steps of a block(): which block and which part of it. */
  readonly block?: BlockPosition;
  /** flushHandlers(): runs the handlers notified so far instead of a step of its own. */
  readonly meta?: 'flush-handlers';
}

/** Where a step sits in a block(): its steps, its rescue, or its always. */
export interface BlockPosition {
  /** Unique within the playbook (the block's name). */
  readonly name: string;
  readonly section: 'steps' | 'rescue' | 'always';
  readonly hasRescue: boolean;
  /** Where this block itself sits when it is inside another block. */
  readonly parent?: BlockPosition;
}

export interface HostStepOptions<V extends object = Vars, R = unknown> extends StepCommon<V> {
  /** Skip the step on this host unless it returns true. */
  when?: (h: HostContext<V>) => boolean | Promise<boolean>;
  /** Read-only: does the desired state already hold? true → `ok`, run is skipped. */
  check?: (h: HostContext<V>) => boolean | Promise<boolean>;
  /** Makes the change. Its return value (of `unchanged(v)`: v) is registered under `register`. */
  run?: (h: HostContext<V>) => R | Unchanged<R> | Promise<R | Unchanged<R>>;
  /**
   * Read-only: holds now? Throw (expectEqual/fail) or return false to fail the step.
   * A step with only `verify` is an assertion and also runs under --check.
   */
  verify?: (h: HostContext<V>) => void | boolean | Promise<void | boolean>;
  /** Seconds to keep re-trying verify while the system settles (e.g. a kernel creating VFs). */
  settle?: number;
  /** `run` only reads (gathers facts to register): it also runs under --check, status ok. */
  readOnly?: boolean;
  /** Attempts after the first when run fails or `until` is false. */
  retries?: number;
  /** Seconds between attempts. */
  delay?: number;
  /** Retry until this holds for run's value. */
  until?(value: R, h: HostContext<V>): boolean | Promise<boolean>;
  /** Run commands through sudo (true = root, or a user name). */
  become?: boolean | string;
  /** Run on the first host only; the result counts for every host of the step. */
  runOnce?: boolean;
  /** Register run's return value under this name (or a typed `register<T>('name')` key); read it with `h.get(step)`. */
  register?: string | RegisterKey<R>;
  /**
   * Handlers (by name) to run once at the end of the play (or at a flushHandlers() step) on each
   * host where this step changed something. The notification is recorded on the host before the
   * change is made, so a run that dies in between still runs the handler next time.
   */
  notify?: string | readonly string[];
}

/** A group of hosts an across-step sees together. */
export interface HostGroupView<V extends object = Vars> {
  /** The grouping key (e.g. the value of the var grouped by). */
  readonly key: string;
  readonly hosts: readonly HostContext<V>[];
  /** The one host of this group that is in inventory group `group`; throws when not exactly one. */
  one(group: string): HostContext<V>;
}

export interface AcrossStepOptions<V extends object = Vars> extends StepCommon<V> {
  /** How hosts are grouped: 'all' makes one group; `byVar('rack')` groups by a var; or any GroupKey. */
  across: 'all' | GroupKey;
  /** Runs once per group after every host of it reached this step. */
  run?: (g: HostGroupView<V>) => unknown | Promise<unknown>;
  /** Read-only assertion over the group; a throw fails every host of the group. */
  verify?: (g: HostGroupView<V>) => void | boolean | Promise<void | boolean>;
}

export type HostStep<V extends object = Vars, R = unknown> = Omit<HostStepOptions<V, R>, 'register'> & {
  readonly kind: 'host';
  /** The register name (a RegisterKey is stored by its name). */
  readonly register?: string;
  /** A loop step (loop()): one check → run → verify per item. */
  readonly loop?: LoopSpec<V>;
  /** Type only: what the step registers. */
  readonly __registers?: R;
};
export type AcrossStep<V extends object = Vars> = AcrossStepOptions<V> & { readonly kind: 'across' };
export type Step<V extends object = Vars> = HostStep<V> | AcrossStep<V>;

/** Steps may be nested arrays so reusable functions can return several. */
/** A group of steps with `rescue` (runs on a host where a step failed) and `always` (runs anyway). */
export interface Block<V extends object = Vars> {
  readonly kind: 'block';
  readonly name: string;
  readonly steps: StepList<V>;
  readonly rescue: StepList<V>;
  readonly always: StepList<V>;
  readonly definedAt?: string;
}

export type StepList<V extends object = Vars> = ReadonlyArray<Step<V> | Block<V> | StepList<V>>;

/** How the run's per-group summary groups hosts and words each group's outcome. */
export interface SummaryBy {
  readonly by: GroupKey;
  readonly describe?: (o: Omit<GroupOutcome, 'text'>) => string;
}

export interface PlaybookOptions<V extends object = Vars> {
  name: string;
  /** Host pattern (Ansible syntax): 'source:destination', 'all', 'web*:&prod'. */
  hosts: string;
  /** Lowest precedence: overridden by inventory vars (like Ansible role defaults). */
  defaults?: Partial<V>;
  /** Above inventory vars, below -e (like Ansible play vars). */
  vars?: Partial<V>;
  /**
   * Vars every host must have before anything runs; missing ones are reported per host. Or per
   * inventory group: `{ all: ['pair'], source: ['vm_name'] }` (a host needs those of each of its groups).
   */
  requires?: readonly (keyof V & string)[] | { readonly [group: string]: readonly (keyof V & string)[] };
  /**
   * The vars' schema (zod, valibot or any Standard Schema library): types `h.vars`, and every
   * host's vars are validated and coerced with it (e.g. `-e port=8080` becomes a number) before
   * any host is touched; a bad value is an error naming host, var, expected and seen.
   */
  schema?: StandardSchemaV1<any, V>;
  /** Var names whose values are secrets: masked in all output. */
  secrets?: readonly string[];
  steps: StepList<V>;
  /** Host steps run once per host at the end of the play (or at flushHandlers()) when a step notified them. */
  handlers?: readonly HostStep<V>[];
  /** Rolling batches: a count, a percentage ('30%'), or a list of them. */
  serial?: number | string | ReadonlyArray<number | string>;
  /**
   * Keep hosts that belong together in the same serial batch (e.g. `byVar('pair')`); serial then
   * counts groups, not hosts. A host without a key is a group of its own.
   */
  batchBy?: GroupKey;
  /** One failure stops every host after the current step. */
  anyErrorsFatal?: boolean;
  /** Abort when more than this percentage of a batch's hosts failed. */
  maxFailPercentage?: number;
  /**
   * A summary per group of hosts, after the recap and in the JSON report (`groupSummary`): each
   * group's outcome (ok, failed at step N with each host's message, incomplete, not run).
   * `describe` words an outcome in the playbook's terms (e.g. 'prepared').
   */
  summaryBy?: SummaryBy;
  /** Default become for every step. */
  become?: boolean | string;
  /** Directory of templates, relative to the playbook file (default: nearest `templates/` up the tree). */
  templates?: string;
}

export interface Playbook<V extends object = Vars> {
  readonly kind: 'marshal.playbook';
  readonly name: string;
  readonly hosts: string;
  readonly defaults: Partial<V>;
  readonly vars: Partial<V>;
  /** Required on every host. */
  readonly requires: readonly string[];
  /** Required on the hosts of an inventory group, by group. */
  readonly requiresIn?: Readonly<Record<string, readonly string[]>>;
  readonly secrets: readonly string[];
  readonly schema?: StandardSchemaV1<any, V>;
  /** Flattened, validated steps. */
  readonly steps: readonly Step<V>[];
  /** Handlers, in declaration order (the order they run in). */
  readonly handlers: readonly HostStep<V>[];
  readonly serial?: number | string | ReadonlyArray<number | string>;
  readonly batchBy?: GroupKey;
  readonly anyErrorsFatal: boolean;
  readonly maxFailPercentage?: number;
  readonly summaryBy?: SummaryBy;
  readonly become?: boolean | string;
  readonly templates?: string;
  /** Where playbook() was called (file:line). */
  readonly definedAt?: string;
}
