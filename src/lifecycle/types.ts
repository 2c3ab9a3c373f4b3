/** What the step lifecycle needs from the run: the host's state and the run-wide settings. */
import type { HostContext, HostStep, Vars } from '../dsl/types';
import type { Connection } from '../connection/types';
import type { PlannedHost } from '../plan/plan';
import type { StepStartEvent } from '../report/types';

/** A host during the run: its plan plus what earlier steps left (registered values, failures). */
export interface HostState extends PlannedHost {
  readonly registered: Record<string, unknown>;
  /** Facts gathered through h.facts, kept for the run (key: fact name and args). */
  factCache?: Map<string, unknown>;
  /** Under --check: an earlier step was predicted to change this host. */
  predicted?: boolean;
  /** Why the host left the play (step name and kind), or undefined while it is in. */
  out?: { step: string; kind: 'failed' | 'unreachable' };
}

/** Run-wide settings and services every step of the run shares. */
export interface StepEnv {
  readonly checkMode: boolean;
  readonly diffMode: boolean;
  readonly templatesDir: string | undefined;
  /** The play's default become (a step's own beats it). */
  readonly playBecome: boolean | string | undefined;
  /** -K: beats the hosts' become passwords. */
  readonly becomePassword: string | undefined;
  /** Opens (or reuses) the connection of a host; rejects with a ConnectionError when it cannot. */
  connect(host: string, vars: Vars): Promise<Connection>;
  /** Drops a host's connection and opens a new one, one attempt (h.reconnect() retries); absent when the runner cannot. */
  reconnect?(host: string, vars: Vars): Promise<Connection>;
  /** Values of inline secret() interpolations: results are masked after the step. */
  addSecrets(values: readonly string[]): void;
  /** A host began a step (live progress). */
  hostStart(host: string, ev: StepStartEvent): void;
  /** Run-level diagnostics (retries, settling), shown at -vv. */
  debug(host: string, step: string, message: string): void;
  /** Every running host-step's controller, so a hard interrupt can stop them all. */
  readonly running: Set<AbortController>;
  /** Records on the host, before a notifying step's run, that its handlers are pending. */
  markPending?(h: HostState, s: HostStep, ctx: HostContext): Promise<void>;
}
