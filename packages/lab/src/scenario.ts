/**
 * Lab scenarios: YAML files that set each simulated host's starting state and faults.
 * Layers, later wins: built-in defaults < `defaults:` < `source:`/`destination:` < `hosts.<name>:`.
 * Errors name the file and line (docs/lab.md documents the schema).
 */
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument, LineCounter, isMap, isSeq, isScalar, type Node } from 'yaml';
import { UsageError } from 'marshal';
import { isPci } from './model/pci';
import { LAB_ROOT } from './paths';

export interface PfSpec {
  pci?: string;
  netdev?: string;
  pfnum?: number;
  totalVfs?: number;
  offset?: number;
  stride?: number;
  numVfs?: number;
  eswitch?: 'legacy' | 'switchdev';
  firmware?: string;
  runningFirmware?: string;
  psid?: string;
  vfMigrationMode?: number;
  vfMigrationModeNext?: number;
  sriovEnabled?: boolean;
  deviceName?: string;
  description?: string;
  /** 12 hex digits, e.g. e09d73126744 (mstflint's Base MAC; the GUID derives from it). */
  baseMac?: string;
}

export interface DomainSpec {
  name: string;
  viommu?: boolean;
  running?: boolean;
  memoryMiB?: number;
  vcpus?: number;
}

export interface OvsSpec {
  running?: boolean;
  otherConfig?: Record<string, string>;
  bridges?: { name: string; ports?: string[] }[];
}

export interface HostSpec {
  arch?: string;
  kernel?: string;
  hostname?: string;
  iommu?: boolean;
  libvirtVariantDriver?: boolean;
  packages?: Record<string, boolean>;
  pf?: PfSpec;
  ovs?: OvsSpec;
  domains?: DomainSpec[];
  faults?: { hang?: string[]; drop?: string[] };
}

export interface Scenario {
  file: string;
  name: string;
  description: string;
  pairs: number;
  defaults: HostSpec;
  source: HostSpec;
  destination: HostSpec;
  hosts: Record<string, HostSpec>;
}

type Shape =
  | 'string'
  | 'number'
  | 'boolean'
  | 'pci'
  | 'version'
  | { list: Shape }
  | { map: Shape }
  | { object: Record<string, Shape>; required?: string[] }
  | { oneOf: string[] };

const PF_SHAPE: Shape = {
  object: {
    pci: 'pci',
    netdev: 'string',
    pfnum: 'number',
    totalVfs: 'number',
    offset: 'number',
    stride: 'number',
    numVfs: 'number',
    eswitch: { oneOf: ['legacy', 'switchdev'] },
    firmware: 'version',
    runningFirmware: 'version',
    psid: 'string',
    vfMigrationMode: 'number',
    vfMigrationModeNext: 'number',
    sriovEnabled: 'boolean',
    deviceName: 'string',
    description: 'string',
    baseMac: 'string',
  },
};

const HOST_SHAPE: Shape = {
  object: {
    arch: 'string',
    kernel: 'string',
    hostname: 'string',
    iommu: 'boolean',
    libvirtVariantDriver: 'boolean',
    packages: { map: 'boolean' },
    pf: PF_SHAPE,
    ovs: {
      object: {
        running: 'boolean',
        otherConfig: { map: 'string' },
        bridges: { list: { object: { name: 'string', ports: { list: 'string' } }, required: ['name'] } },
      },
    },
    domains: {
      list: { object: { name: 'string', viommu: 'boolean', running: 'boolean', memoryMiB: 'number', vcpus: 'number' }, required: ['name'] },
    },
    faults: { object: { hang: { list: 'string' }, drop: { list: 'string' } } },
  },
};

const SCENARIO_SHAPE: Shape = {
  object: {
    description: 'string',
    pairs: 'number',
    defaults: HOST_SHAPE,
    source: HOST_SHAPE,
    destination: HOST_SHAPE,
    hosts: { map: HOST_SHAPE },
  },
};

/** Directory of the scenarios shipped with the lab (src/scenarios, which the package ships also when running from dist/). */
export function scenariosDir(): string {
  return join(LAB_ROOT, 'src', 'scenarios');
}

/** `default`, `iommu-off` or a path to a .yml file. */
export function resolveScenario(ref: string | undefined): string {
  const r = ref ?? 'default';
  if (r.includes('/') || r.endsWith('.yml') || r.endsWith('.yaml')) return resolve(r);
  const f = join(scenariosDir(), `${r}.yml`);
  if (!existsSync(f)) throw new UsageError(`unknown lab scenario '${r}': no file ${f} (give a path to a .yml file, or one of the shipped names)`);
  return f;
}

export function loadScenario(ref: string | undefined): Scenario {
  const file = resolveScenario(ref);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read lab scenario: ${(e as Error).message}`, { file });
  }
  return parseScenario(text, file);
}

export function parseScenario(text: string, file: string): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const lineOf = (n: Node | null | undefined) => (n?.range ? lc.linePos(n.range[0]).line : undefined);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new UsageError(`invalid YAML: ${e.message.split('\n')[0]}`, { file, line: lc.linePos(e.pos[0]).line });
  }
  const root = doc.contents as Node | null;
  const where = (n: Node | null | undefined, path: string, msg: string) =>
    new UsageError(`${path ? `${path}: ` : ''}${msg}`, { file, line: lineOf(n) });

  const check = (node: Node | null | undefined, shape: Shape, path: string): void => {
    if (typeof shape === 'string') {
      if (!isScalar(node)) throw where(node, path, `expected a ${shape}`);
      const v = node.value;
      if (shape === 'number' && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) throw where(node, path, `expected a whole number, got ${JSON.stringify(v)}`);
      if (shape === 'boolean' && typeof v !== 'boolean') throw where(node, path, `expected true or false, got ${JSON.stringify(v)}`);
      if ((shape === 'string' || shape === 'pci' || shape === 'version') && typeof v !== 'string' && typeof v !== 'number') throw where(node, path, 'expected a string');
      if (shape === 'pci' && !isPci(String(v))) throw where(node, path, `expected a PCI address like 0000:e1:00.0, got ${String(v)}`);
      if (shape === 'version' && !/^\d+\.\d+\.\d+$/.test(String(v))) throw where(node, path, `expected a firmware version like 28.43.1014, got ${String(v)}`);
      return;
    }
    if ('oneOf' in shape) {
      if (!isScalar(node) || !shape.oneOf.includes(String(node.value))) throw where(node, path, `expected one of ${shape.oneOf.join(', ')}`);
      return;
    }
    if ('list' in shape) {
      if (!isSeq(node)) throw where(node, path, 'expected a list');
      node.items.forEach((it, i) => check(it as Node, shape.list, `${path}[${i}]`));
      return;
    }
    if (!isMap(node)) throw where(node, path, 'expected a mapping');
    const seen = new Set<string>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '?';
      const sub = path ? `${path}.${key}` : key;
      seen.add(key);
      if ('map' in shape) {
        check(pair.value as Node, shape.map, sub);
        continue;
      }
      const s = shape.object[key];
      if (!s) throw where(pair.key as Node, sub, `unknown key (known: ${Object.keys(shape.object).join(', ')})`);
      check(pair.value as Node, s, sub);
    }
    if ('object' in shape) for (const r of shape.required ?? []) if (!seen.has(r)) throw where(node, path, `missing required key '${r}'`);
  };

  if (root !== null && root !== undefined) check(root, SCENARIO_SHAPE, '');
  const data = (doc.toJS() ?? {}) as Partial<Scenario> & Record<string, unknown>;
  // Versions and addresses may be written unquoted: keep them as strings.
  const name = file.replace(/^.*\//, '').replace(/\.ya?ml$/, '');
  return {
    file,
    name,
    description: data.description ?? '',
    pairs: data.pairs ?? 1,
    defaults: normalise(data.defaults),
    source: normalise(data.source),
    destination: normalise(data.destination),
    hosts: Object.fromEntries(Object.entries(data.hosts ?? {}).map(([k, v]) => [k, normalise(v)])),
  };
}

function normalise(h: HostSpec | undefined): HostSpec {
  if (!h) return {};
  const out: HostSpec = { ...h };
  if (h.pf) {
    out.pf = { ...h.pf };
    for (const k of ['pci', 'firmware', 'runningFirmware', 'psid', 'netdev', 'baseMac'] as const) if (h.pf[k] !== undefined) (out.pf as Record<string, unknown>)[k] = String(h.pf[k]);
  }
  return out;
}
