/**
 * devlink: the e-switch mode and the ports of a PF (text and `-j` JSON), plus the
 * iproute2 error texts (`Error: mlx5_core: ...` / `kernel answers: ...`).
 */
import { defineFact, sh, FactParseError } from 'marshal';
import { contentLines, lines, show } from './text';

// ---- e-switch -------------------------------------------------------------------------------

export type EswitchMode = 'legacy' | 'switchdev';

export interface Eswitch {
  /** `pci/0000:e1:00.0` */
  readonly handle: string;
  readonly mode: EswitchMode;
  readonly inlineMode?: string;
  readonly encapMode?: string;
}

/** `key value key value ...` → map; an odd count or a repeated key means we misread the line. */
function pairs(fact: string, words: readonly string[], line: string): Record<string, string> {
  if (words.length % 2 !== 0) throw new FactParseError(fact, `expected "key value" pairs: ${show(line)}`);
  const out: Record<string, string> = {};
  for (let i = 0; i < words.length; i += 2) {
    const k = words[i] ?? '';
    if (k in out) throw new FactParseError(fact, `"${k}" appears twice: ${show(line)}`);
    out[k] = words[i + 1] ?? '';
  }
  return out;
}

export function parseEswitch(stdout: string): Eswitch {
  const FACT = 'devlink.eswitch';
  const ls = contentLines(stdout);
  if (ls.length === 0) throw new FactParseError(FACT, 'empty output');
  if (ls.length > 1) throw new FactParseError(FACT, `expected one line, got ${ls.length}: ${show(ls[1] ?? '')}`);
  const line = ls[0] ?? '';
  const m = /^(\S+\/\S+?):\s+(.*)$/.exec(line.trim());
  if (!m) throw new FactParseError(FACT, `not "<handle>: mode ...": ${show(line)}`);
  const kv = pairs(FACT, (m[2] ?? '').trim().split(/\s+/), line);
  const mode = kv['mode'];
  if (mode !== 'legacy' && mode !== 'switchdev') {
    throw new FactParseError(FACT, `mode is ${mode === undefined ? 'missing' : `"${mode}"`}, expected legacy or switchdev: ${show(line)}`);
  }
  return {
    handle: m[1] ?? '',
    mode,
    ...(kv['inline-mode'] !== undefined && { inlineMode: kv['inline-mode'] }),
    ...(kv['encap-mode'] !== undefined && { encapMode: kv['encap-mode'] }),
  };
}

export const eswitch = defineFact({
  name: 'devlink.eswitch',
  command: (pf: string) => sh`devlink dev eswitch show pci/${pf}`,
  parse: (stdout) => parseEswitch(stdout),
});

/** Just the mode, for `check: (await h.fact(eswitchMode, pf)) === 'switchdev'`. */
export const eswitchMode = defineFact({
  name: 'devlink.eswitch-mode',
  command: (pf: string) => sh`devlink dev eswitch show pci/${pf}`,
  parse: (stdout): EswitchMode => parseEswitch(stdout).mode,
});

// ---- ports ----------------------------------------------------------------------------------

export interface PortFunction {
  readonly hw_addr?: string;
  readonly roce?: boolean;
  /** undefined when devlink does not print it: the firmware's migration capability is not active. */
  readonly migratable?: boolean;
  readonly state?: string;
  readonly opstate?: string;
  /** Every attribute as printed. */
  readonly attrs: Readonly<Record<string, string>>;
}

export interface DevlinkPort {
  /** `pci/0000:e1:00.0/1` */
  readonly handle: string;
  /** `pci/0000:e1:00.0` */
  readonly device: string;
  /** PCI address of the device when the bus is pci. */
  readonly pci?: string;
  /** (vhca_id << 16) | vport: PF0's uplink is 65535, its VF0 is 1. */
  readonly index: number;
  readonly type?: string;
  readonly netdev?: string;
  readonly flavour?: string;
  readonly pfnum?: number;
  readonly vfnum?: number;
  readonly sfnum?: number;
  readonly port?: number;
  readonly controller?: number;
  readonly splittable?: boolean;
  readonly external?: boolean;
  readonly function?: PortFunction;
  readonly attrs: Readonly<Record<string, string>>;
}

const PORT_FACT = 'devlink.port';
const HANDLE = /^([a-z]+\/[^/\s]+)\/(\d+)$/;

function num(key: string, v: string | undefined, line: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new FactParseError(PORT_FACT, `${key} is not a number (${show(v)}): ${show(line)}`);
  return Number(v);
}

function bool(key: string, v: string | undefined, yes: string, no: string, line: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === yes) return true;
  if (v === no) return false;
  throw new FactParseError(PORT_FACT, `${key} is ${show(v)}, expected ${yes} or ${no}: ${show(line)}`);
}

function makeFunction(attrs: Record<string, string>, line: string): PortFunction {
  return {
    ...(attrs['hw_addr'] !== undefined && { hw_addr: attrs['hw_addr'].toLowerCase() }),
    ...(attrs['roce'] !== undefined && { roce: bool('roce', attrs['roce'], 'enable', 'disable', line) }),
    ...(attrs['migratable'] !== undefined && {
      migratable: bool('migratable', attrs['migratable'], 'enable', 'disable', line),
    }),
    ...(attrs['state'] !== undefined && { state: attrs['state'] }),
    ...(attrs['opstate'] !== undefined && { opstate: attrs['opstate'] }),
    attrs,
  };
}

function makePort(handle: string, attrs: Record<string, string>, fn: Record<string, string> | undefined, line: string): DevlinkPort {
  const h = HANDLE.exec(handle);
  if (!h) throw new FactParseError(PORT_FACT, `not a port handle (bus/device/index): ${show(line)}`);
  const device = h[1] ?? '';
  const set = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : ({ [k]: v } as { [P in K]: V }));
  return {
    handle,
    device,
    ...set('pci', device.startsWith('pci/') ? device.slice(4) : undefined),
    index: Number(h[2]),
    ...set('type', attrs['type']),
    ...set('netdev', attrs['netdev']),
    ...set('flavour', attrs['flavour']),
    ...set('pfnum', num('pfnum', attrs['pfnum'], line)),
    ...set('vfnum', num('vfnum', attrs['vfnum'], line)),
    ...set('sfnum', num('sfnum', attrs['sfnum'], line)),
    ...set('port', num('port', attrs['port'], line)),
    ...set('controller', num('controller', attrs['controller'], line)),
    ...set('splittable', bool('splittable', attrs['splittable'], 'true', 'false', line)),
    ...set('external', bool('external', attrs['external'], 'true', 'false', line)),
    ...set('function', fn === undefined ? undefined : makeFunction(fn, line)),
    attrs,
  };
}

/**
 * Text form:
 *   pci/0000:e1:00.0/1: type eth netdev enp225s0npf0vf0 flavour pcivf pfnum 0 vfnum 0
 *       function:
 *         hw_addr 00:00:00:00:00:00 roce enable migratable disable
 */
export function parseDevlinkPortsText(stdout: string): DevlinkPort[] {
  const out: DevlinkPort[] = [];
  let cur: { handle: string; attrs: Record<string, string>; fn?: Record<string, string>; inFn: boolean; line: string } | undefined;
  const flush = () => {
    if (cur) out.push(makePort(cur.handle, cur.attrs, cur.fn, cur.line));
  };
  for (const line of lines(stdout)) {
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) {
      const m = /^(\S+):(?:\s+(.*))?$/.exec(line);
      if (!m) throw new FactParseError(PORT_FACT, `unexpected line: ${show(line)}`);
      flush();
      const rest = (m[2] ?? '').trim();
      cur = { handle: m[1] ?? '', attrs: pairs(PORT_FACT, rest === '' ? [] : rest.split(/\s+/), line), inFn: false, line };
      continue;
    }
    if (!cur) throw new FactParseError(PORT_FACT, `indented line before any port: ${show(line)}`);
    const t = line.trim();
    if (t === 'function:') {
      if (cur.fn) throw new FactParseError(PORT_FACT, `second "function:" block: ${show(line)}`);
      cur.fn = {};
      cur.inFn = true;
      continue;
    }
    // Only the function block has indented attributes; anything else is a format we do not know.
    if (!cur.inFn || !cur.fn) throw new FactParseError(PORT_FACT, `indented line outside a function block: ${show(line)}`);
    const kv = pairs(PORT_FACT, t.split(/\s+/), line);
    for (const [k, v] of Object.entries(kv)) {
      if (k in cur.fn) throw new FactParseError(PORT_FACT, `"${k}" appears twice in function: ${show(line)}`);
      cur.fn[k] = v;
    }
  }
  flush();
  return out;
}

function scalar(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new FactParseError(PORT_FACT, `${where} is not a scalar: ${show(JSON.stringify(v) ?? String(v))}`);
}

function flat(obj: unknown, where: string): Record<string, string> {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new FactParseError(PORT_FACT, `${where} is not an object`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'function') continue;
    // Nested objects beyond `function` (e.g. future attributes) are kept out rather than guessed at.
    if (typeof v === 'object' && v !== null) continue;
    out[k] = scalar(v, `${where}.${k}`);
  }
  return out;
}

/** `devlink -j port show`: `{"port":{"pci/0000:e1:00.0/1":{..., "function":{...}}}}`. */
export function parseDevlinkPortsJson(stdout: string): DevlinkPort[] {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch (e) {
    throw new FactParseError(PORT_FACT, `not JSON (${(e as Error).message}): ${show(stdout.slice(0, 120))}`);
  }
  const ports = (doc as { port?: unknown } | null)?.port;
  if (typeof ports !== 'object' || ports === null || Array.isArray(ports)) {
    throw new FactParseError(PORT_FACT, `JSON has no "port" object: ${show(stdout.slice(0, 120))}`);
  }
  return Object.entries(ports as Record<string, unknown>).map(([handle, body]) => {
    const attrs = flat(body, handle);
    const fnBody = (body as { function?: unknown }).function;
    const fn = fnBody === undefined ? undefined : flat(fnBody, `${handle}.function`);
    return makePort(handle, attrs, fn, `${handle} ${JSON.stringify(body)}`);
  });
}

/** Either form: JSON when the output starts with `{`. */
export function parseDevlinkPorts(stdout: string): DevlinkPort[] {
  return stdout.trimStart().startsWith('{') ? parseDevlinkPortsJson(stdout) : parseDevlinkPortsText(stdout);
}

/** All ports of every devlink device (filter with `portsOf`, `vfPort`, `uplinkPort`). */
export const devlinkPorts = defineFact({
  name: 'devlink.ports',
  command: () => sh`devlink -j port show`,
  parse: (stdout) => parseDevlinkPorts(stdout),
});

/** One port, e.g. devlinkPort(pf, 1) → `devlink -j port show pci/<pf>/1`. */
export const devlinkPort = defineFact({
  name: PORT_FACT,
  command: (pf: string, index: number) => sh`devlink -j port show ${`pci/${pf}/${index}`}`,
  parse: (stdout): DevlinkPort => {
    const ports = parseDevlinkPorts(stdout);
    if (ports.length !== 1) throw new FactParseError(PORT_FACT, `expected one port, got ${ports.length}`);
    return ports[0]!;
  },
});

export function portsOf(ports: readonly DevlinkPort[], pf: string): DevlinkPort[] {
  return ports.filter((p) => p.pci === pf);
}

/** The representor port of VF `vfnum` of the PF (flavour pcivf). */
export function vfPort(ports: readonly DevlinkPort[], pf: string, vfnum = 0): DevlinkPort | undefined {
  return portsOf(ports, pf).find((p) => p.flavour === 'pcivf' && p.vfnum === vfnum);
}

/** The PF's uplink (flavour physical). */
export function uplinkPort(ports: readonly DevlinkPort[], pf: string): DevlinkPort | undefined {
  return portsOf(ports, pf).find((p) => p.flavour === 'physical');
}

// ---- iproute2 errors --------------------------------------------------------------------------

export interface Iproute2Error {
  /** The kernel module that set the extack message, e.g. `mlx5_core`. */
  readonly module?: string;
  /** The extack message, e.g. `Device doesn't support migration.` */
  readonly message?: string;
  /** strerror of the netlink reply, e.g. `Operation not supported`. */
  readonly kernelAnswer?: string;
}

/**
 * `Error: mlx5_core: Device doesn't support migration.` + `kernel answers: Operation not supported`
 * (older iproute2 says `devlink answers:`). undefined when the text holds neither line.
 */
export function parseIproute2Error(stderr: string): Iproute2Error | undefined {
  let module: string | undefined;
  let message: string | undefined;
  let kernelAnswer: string | undefined;
  for (const line of lines(stderr)) {
    const t = line.trim();
    const err = /^Error: (?:([A-Za-z0-9_]+): )?(.*)$/.exec(t);
    if (err && message === undefined) {
      module = err[1];
      message = err[2];
      continue;
    }
    const ans = /^(?:kernel|devlink) answers: (.*)$/.exec(t);
    if (ans && kernelAnswer === undefined) kernelAnswer = ans[1];
  }
  if (message === undefined && kernelAnswer === undefined) return undefined;
  return {
    ...(module !== undefined && { module }),
    ...(message !== undefined && { message }),
    ...(kernelAnswer !== undefined && { kernelAnswer }),
  };
}

/** The refusal `devlink port function set ... migratable enable` gives while VF_MIGRATION_MODE is not in effect. */
export function isMigrationUnsupported(e: Iproute2Error | undefined): boolean {
  return e !== undefined && /doesn't support migration/i.test(e.message ?? '');
}
