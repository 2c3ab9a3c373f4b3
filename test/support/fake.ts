/** Unit-test doubles: an in-memory inventory and connections answered by a handler. */
import type { Connection, ConnectionSpec, ExecOptions, ExecResult } from '../../src/connection/types';
import type { Inventory } from '../../src/inventory/types';
import { StepFailure, isStepFailure } from '../../src/errors';

export function memoryInventory(groups: Record<string, Record<string, Record<string, unknown>>>): Inventory {
  const inv: Inventory = { hosts: new Map(), groups: new Map(), sources: ['<memory>'] };
  inv.groups.set('all', { name: 'all', hosts: [], children: [], vars: {} });
  for (const [g, hosts] of Object.entries(groups)) {
    inv.groups.set(g, { name: g, hosts: Object.keys(hosts), children: [], vars: {} });
    inv.groups.get('all')!.children.push(g);
    for (const [h, vars] of Object.entries(hosts)) {
      const existing = inv.hosts.get(h);
      if (existing) {
        existing.groups.push(g);
        Object.assign(existing.vars, vars);
      } else inv.hosts.set(h, { name: h, vars: { ...vars }, groups: ['all', g] });
    }
  }
  return inv;
}

export type Handler = (host: string, command: string, opts: ExecOptions) => Partial<ExecResult> | Promise<Partial<ExecResult>>;

export class FakeConnection implements Connection {
  readonly commands: string[] = [];
  constructor(
    readonly spec: ConnectionSpec,
    private readonly handler: Handler,
  ) {}
  async connect(): Promise<void> {}
  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.commands.push(command);
    if (opts.signal?.aborted) throw new StepFailure('interrupted', 'aborted');
    const started = Date.now();
    const work = Promise.resolve(this.handler(this.spec.name, command, opts));
    const res = await (opts.signal
      ? Promise.race([
          work,
          new Promise<never>((_, reject) =>
            opts.signal!.addEventListener('abort', () => reject(isStepFailure(opts.signal!.reason) ? opts.signal!.reason : new StepFailure('interrupted', 'aborted')), { once: true }),
          ),
        ])
      : work);
    return { command, stdout: res.stdout ?? '', stderr: res.stderr ?? '', exitCode: res.exitCode === undefined ? 0 : res.exitCode, durationMs: Date.now() - started };
  }
  async putFile(): Promise<void> {}
  async close(): Promise<void> {}
}

/** connect() for the engine: one FakeConnection per host, all answered by `handler`. */
export function fakeConnector(handler: Handler) {
  const conns = new Map<string, FakeConnection>();
  const connect = async (host: string) => {
    let c = conns.get(host);
    if (!c) {
      c = new FakeConnection({ name: host, transport: 'ssh', host }, handler);
      conns.set(host, c);
    }
    return c;
  };
  return { connect, conns };
}
