/**
 * ops.service (Ansible's systemd, pyinfra's systemd.service): a systemd unit started or stopped,
 * enabled or not, read with `systemctl show` and changed with systemctl, only what differs.
 */
import { raw, sh } from '../dsl/command';
import { expectThat } from '../dsl/expect';
import type { HostContext, HostStep, Vars } from '../dsl/types';
import { services } from '../facts/packages';
import { unitStatus, type UnitStatus } from '../facts/unit';
import { checkKeys, opError, opFailure, opStep, type OpOptions } from './common';

export type ServiceState = 'started' | 'stopped' | 'restarted' | 'reloaded';

export interface ServiceOptions<V extends object = Vars> extends OpOptions<V> {
  /** The unit: `sshd` (`.service` is added) or a full name such as `docker.socket`. */
  service: string;
  /** started / stopped hold a state; restarted / reloaded act every time the step runs (use them as handlers). */
  state?: ServiceState;
  /** Started at boot (systemctl enable) or not (disable). */
  enabled?: boolean;
  /** Run `systemctl daemon-reload` first when systemd says the unit file changed on disk. */
  daemonReload?: boolean;
}

/** unit-file states that start the unit at boot (or are not ours to change: static, generated...). */
const ENABLED = ['enabled', 'enabled-runtime', 'alias', 'static', 'indirect', 'generated', 'transient'];
const RUNNING = ['active', 'activating', 'reloading'];

export interface ServiceWant {
  state?: ServiceState | undefined;
  enabled?: boolean | undefined;
  daemonReload: boolean;
}

/** Pure: the systemctl verbs to run, in order, to get from `s` to what is wanted. */
export function serviceActions(s: UnitStatus, w: ServiceWant): string[] {
  const out: string[] = [];
  if (w.daemonReload && s.needDaemonReload) out.push('daemon-reload');
  if (w.enabled === true && !ENABLED.includes(s.unitFile)) out.push('enable');
  if (w.enabled === false && ['enabled', 'enabled-runtime', 'alias'].includes(s.unitFile)) out.push('disable');
  const running = RUNNING.includes(s.active);
  if (w.state === 'started' && !running) out.push('start');
  if (w.state === 'stopped' && (running || s.active === 'deactivating')) out.push('stop');
  if (w.state === 'restarted') out.push('restart');
  // reloading a stopped unit fails: Ansible starts it instead
  if (w.state === 'reloaded') out.push(running ? 'reload' : 'start');
  return out;
}

/** Pure: what still differs after the run (restarted/reloaded only need the unit running). */
export function serviceMismatch(s: UnitStatus, w: ServiceWant): string[] {
  const held = serviceActions(s, { ...w, daemonReload: false, state: w.state === 'restarted' || w.state === 'reloaded' ? 'started' : w.state });
  return held.map((a) => ({ enable: 'not enabled', disable: 'still enabled', start: `not running (${s.active})`, stop: `still ${s.active}` })[a] ?? a);
}

const unitName = (s: string): string => (/\.(service|socket|timer|target|mount|path|slice|scope|swap|automount|device)$/.test(s) ? s : `${s}.service`);

/** A systemd unit in the wanted state (started, stopped, restarted, reloaded) and enabled or not. */
export function service<V extends object = Vars>(opts: ServiceOptions<V>): HostStep<V> {
  const o = checkKeys('service()', opts, ['service', 'state', 'enabled', 'daemonReload'], ['service']);
  if (typeof o.service !== 'string' || !/^[A-Za-z0-9:_.@\\-]+$/.test(o.service) || o.service.startsWith('-')) throw opError('service()', `\`service\` must be a unit name such as sshd or docker.socket, got ${JSON.stringify(o.service)}`);
  if (o.state !== undefined && !['started', 'stopped', 'restarted', 'reloaded'].includes(o.state as string)) throw opError('service()', `\`state\` must be started, stopped, restarted or reloaded, got ${JSON.stringify(o.state)}`);
  for (const k of ['enabled', 'daemonReload']) if (o[k] !== undefined && typeof o[k] !== 'boolean') throw opError('service()', `\`${k}\` must be true or false`);
  if (o.state === undefined && o.enabled === undefined && o.daemonReload === undefined) throw opError('service()', 'give at least one of `state`, `enabled`, `daemonReload`');
  const unit = unitName(o.service);
  const w: ServiceWant = { state: o.state as ServiceState | undefined, enabled: o.enabled as boolean | undefined, daemonReload: o.daemonReload === true };
  const read = async (h: HostContext<V>, fresh: boolean) => {
    const s = fresh ? await h.facts.refresh(unitStatus, unit) : await h.facts.get(unitStatus, unit);
    if (s.load === 'not-found' && !(w.state === 'stopped' && w.enabled !== true)) throw opFailure(`service ${unit}: systemd has no such unit (LoadState=not-found)`);
    return s;
  };
  const what = [w.state, w.enabled === undefined ? undefined : w.enabled ? 'enabled' : 'disabled'].filter(Boolean).join(', ');
  return opStep<V>(o, `service ${unit}${what ? ` ${what}` : ''}`, {
    check: async (h) => {
      const s = await h.facts.refresh(unitStatus, unit);
      // under --check an earlier step may only have predicted installing the unit's package
      if (h.checkMode && s.load === 'not-found' && !(w.state === 'stopped' && w.enabled !== true)) {
        h.note(`${unit}: no such unit yet (a package an earlier step would install may bring it)`);
        return false;
      }
      const todo = serviceActions(await read(h, false), w);
      if (h.diffMode && todo.length > 0) h.note(`${unit}: systemctl ${todo.join(', ')}`);
      return todo.length === 0;
    },
    run: async (h) => {
      try {
        for (const verb of serviceActions(await read(h, false), w)) await h.run(verb === 'daemon-reload' ? sh`systemctl daemon-reload` : sh`systemctl ${raw(verb)} -- ${unit}`); // verbs are ours
      } finally {
        h.facts.invalidate(unitStatus);
        h.facts.invalidate(services);
      }
    },
    verify: async (h) => {
      const s = await read(h, true);
      const wrong = s.load === 'not-found' ? [] : serviceMismatch(s, w);
      expectThat(wrong.length === 0, `${unit} ${what || 'reloaded'}`, wrong.join(', '));
    },
  });
}
