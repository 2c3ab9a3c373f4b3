/** The whole lab: every host's state plus the clock and timings the behaviour depends on. */
import type { DomainState, GuestHostState, HostState, NicHostState, WorldState } from './types';

export interface WorldOptions {
  /** Delay between a sriov_numvfs write and the VFs appearing. */
  vfDelayMs: number;
  /** How long a live migration takes (its VFs count against the per-PF limit meanwhile). */
  migrationMs: number;
  now: () => number;
}

export interface InFlightMigration {
  host: string;
  pf: string;
  vfs: number;
  until: number;
}

export class World {
  readonly migrations: InFlightMigration[] = [];
  /** Set by the daemon: persists the state after a change made outside a tool (sysfs writes). */
  changed?: () => void;
  /** Set by the daemon: appends to the lab's event log (reboots, firmware resets). */
  event?: (host: string, event: string, detail?: string) => void;
  /** Set by the daemon: takes the host down and boots it (sshd stopped, then restarted); absent: model/boot.ts boots at once. */
  reboot?: (host: string) => void;
  constructor(
    public state: WorldState,
    public opts: WorldOptions = { vfDelayMs: 100, migrationMs: 300, now: Date.now },
  ) {}

  now(): number {
    return this.opts.now();
  }

  host(name: string): HostState | undefined {
    return this.state.hosts[name];
  }

  nicHosts(): NicHostState[] {
    return Object.values(this.state.hosts).filter((h): h is NicHostState => h.kind === 'nic');
  }

  /** A migration's --desturi host part may be an inventory name, an address or a hostname. */
  resolveHost(ref: string): NicHostState | undefined {
    return this.nicHosts().find((h) => h.name === ref || h.address === ref || h.hostname === ref);
  }

  /** Where the domain behind a guest currently runs. */
  domainOfGuest(guest: GuestHostState): { host: NicHostState; domain: DomainState } | undefined {
    for (const host of this.nicHosts()) {
      const domain = host.domains.find((d) => d.guest === guest.name);
      if (domain) return { host, domain };
    }
    return undefined;
  }

  inFlight(host: string, pf: string): number {
    const now = this.now();
    for (let i = this.migrations.length - 1; i >= 0; i--) if (this.migrations[i]!.until <= now) this.migrations.splice(i, 1);
    return this.migrations.filter((m) => m.host === host && m.pf === pf).reduce((a, m) => a + m.vfs, 0);
  }
}
