/**
 * `npm run bench`: Marshal (`--session persistent` and `--session exec`) vs Ansible(+Mitogen) vs a
 * plain ssh2 floor on W(N, S) over real sshd hosts, then docs/benchmarks.md and docs/benchmarks.svg.
 *
 *   npm run bench               full run (3 runs each, N up to 500), rewrites docs/
 *   npm run bench -- --quick    smoke run (1 run each, small N), writes bench/.work/ only
 *   options: --runs <n>  --out <dir>  --no-ansible  --no-mitogen  --render-only (docs from bench/.work/results.json)
 *            --head-to-head (W(50,10) only, with --no-ansible: Marshal's two modes vs floor, a check after a change)
 *            --scale <N> (adds W(500,10) and W(N,10) to the N series: N sshd hosts, e.g. 1000; opt-in, heavy)
 *            --scale <N> --scale-only (only Marshal on W(500,10) and W(N,10), printed: 1000 sshd start in ~4 min here)
 */
import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startFleet, stopFleet, writeInventory, killLeftovers, ensureAlive, type Fleet } from './fleet';
import { measure, median, pidsMatching } from './measure';
import * as C from './contenders';
import { outcomeOf, type Outcome } from './outcome';
import { ensureTools, loadAvg, machineInfo, waitQuiet } from './machine';
import { htmlReportBench } from './html';
import { renderMarkdown, LIST_WARM, LIST_EDITED, LIST_LIB_EDITED, type Results, type Series, type Sample } from './report';
import { renderChart } from './chart';

const REPO = resolve(__dirname, '..');
const WORK = join(REPO, 'bench', '.work');

interface Config {
  quick: boolean;
  runs: number;
  outDir: string;
  ansible: boolean;
  /** Ansible with Mitogen (strategy mitogen_linear) as a fourth contender. */
  mitogen: boolean;
  contenders: { n: number; s: number };
  /** W(n, s) head-to-heads also run for these S (W(50,100) next to W(50,10)): floor and Marshal's two modes only. */
  moreContenderSteps: number[];
  nSeries: number[];
  nSeriesSteps: number;
  sSeries: number[];
  sSeriesHosts: number;
  listSteps: number;
  /** --scale-only (with --scale N): only Marshal on W(500,10) and W(N,10), printed, no docs written. */
  scaleOnly: boolean;
  /** --head-to-head: only W(50,10), Marshal vs the floor (5 alternating runs), printed, no docs written. */
  headToHeadOnly: boolean;
}

function parseArgs(argv: string[]): Config {
  const quick = argv.includes('--quick');
  const val = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const runs = Number(val('--runs') ?? (quick ? 1 : 3));
  const scale = val('--scale') === undefined ? undefined : Number(val('--scale'));
  if (scale !== undefined && !(Number.isInteger(scale) && scale > 0 && scale <= 2000)) throw new Error(`--scale ${val('--scale')}: a host count from 1 to 2000`);
  const nSeries = quick ? [10, 30] : [10, 50, 200, 500];
  return {
    quick,
    runs,
    outDir: resolve(val('--out') ?? (quick ? WORK : join(REPO, 'docs'))),
    ansible: !argv.includes('--no-ansible'),
    mitogen: !argv.includes('--no-ansible') && !argv.includes('--no-mitogen'),
    contenders: quick ? { n: 10, s: 5 } : { n: 50, s: 10 },
    moreContenderSteps: quick || argv.includes('--head-to-head') ? [] : [100],
    nSeries: scale ? [...new Set([...nSeries, 500, scale])].sort((a, b) => a - b) : nSeries,
    nSeriesSteps: quick ? 5 : 10,
    sSeries: quick ? [1, 10] : [1, 10, 100],
    sSeriesHosts: quick ? 10 : 50,
    listSteps: 20,
    headToHeadOnly: argv.includes('--head-to-head'),
    scaleOnly: scale !== undefined && argv.includes('--scale-only'),
  };
}

const say = (s: string): void => void process.stdout.write(`${s}\n`);
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mb = (b: number): string => `${(b / 1e6).toFixed(0)} MB`;

/** `marshal` runs with --session persistent, `marshal-exec` with --session exec; `session-floor` is floor.ts --sessions. */
type Kind = 'floor' | 'session-floor' | 'marshal' | 'marshal-exec' | 'mitogen' | 'ansible';

async function timed(label: string, inv: C.Invocation, n: number, s: number, expectOutput = true): Promise<Sample> {
  const busy = await waitQuiet();
  const load = loadAvg();
  const m = await measure(inv.argv, {
    scratchDir: WORK,
    ...(inv.cwd ? { cwd: inv.cwd } : {}),
    ...(inv.env ? { env: inv.env } : {}),
    ...(inv.helpers ? { alsoCount: inv.helpers } : {}),
  });
  if (inv.helpers) {
    // ControlPersist masters outlive ansible-playbook: end them so the next run starts cold.
    for (const pid of pidsMatching(inv.helpers)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
  }
  let outcome: Outcome = { ok: n * s, failures: 0 };
  if (expectOutput) outcome = outcomeOf(inv, m.stdout, n, s);
  else if (m.exitCode !== 0) outcome = { ok: 0, failures: 1 };
  say(`  ${label.padEnd(34)} ${secs(m.wallMs).padStart(9)} ${mb(m.peakRss).padStart(7)}  exit ${m.exitCode}, ${outcome.failures} failures, load ${load.toFixed(1)}, busy before ${(busy * 100).toFixed(0)}%`);
  if (outcome.failures > 0 || m.exitCode !== 0) {
    const tail = (m.stderr.trim() || m.stdout.trim()).split('\n').slice(-6).join('\n    ');
    say(`    ${tail}`);
  }
  return { wallMs: m.wallMs, peakRss: m.peakRss, failures: outcome.failures, exitCode: m.exitCode, load, busy };
}

/**
 * Compiles a playbook into Marshal's cache (untimed): the timed runs are the everyday case, a
 * playbook run before. The first run after a change is measured on its own (cold cache).
 */
function warm(playbookFile: string, inventory: string): string {
  const inv = C.marshal(REPO, playbookFile, inventory, 1, ['--list-tasks']);
  const r = spawnSync(inv.argv[0]!, inv.argv.slice(1), { cwd: inv.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`bench: marshal could not load ${playbookFile}: ${r.stderr.toString().trim()}`);
  return playbookFile;
}

function summarise(samples: Sample[]): Series['median'] {
  return {
    wallMs: median(samples.map((x) => x.wallMs)),
    peakRss: median(samples.map((x) => x.peakRss)),
    failures: Math.max(...samples.map((x) => x.failures)),
    runs: samples.length,
  };
}

interface Ctx {
  cfg: Config;
  fleet: Fleet;
  floorJs: string;
  inventory: (n: number) => string;
  alive: (n: number) => Promise<void>;
  results: Results;
}

/**
 * The contenders on W(N, S), runs interleaved and rotated so drifting load hits all alike. The
 * floor and Marshal's two modes, which decide the ratio targets, get at least 5 runs each; Ansible
 * and Ansible+Mitogen (~100 s and ~50 s a run at S=10) get --runs, and run only on the first
 * workload (at S=100 a run takes 15-30 min).
 */
async function contenders(ctx: Ctx, s: number, withCold: boolean): Promise<void> {
  const { cfg, fleet, results } = ctx;
  const n = cfg.contenders.n;
  const heavy = s === cfg.contenders.s;
  const kinds: Kind[] = ['floor', 'session-floor', 'marshal', 'marshal-exec', ...(heavy && cfg.mitogen ? (['mitogen'] as const) : []), ...(heavy && cfg.ansible ? (['ansible'] as const) : [])];
  say(`\nW(${n},${s}): ${kinds.join(', ')}`);
  const inv = ctx.inventory(n);
  const pb = warm(C.marshalPlaybook(WORK, s), inv);
  const invocations: Record<Kind, C.Invocation> = {
    floor: C.floor(ctx.floorJs, inv, s),
    'session-floor': C.floor(ctx.floorJs, inv, s, true),
    marshal: C.marshal(REPO, pb, inv, n, ['--session', 'persistent']),
    'marshal-exec': C.marshal(REPO, pb, inv, n, ['--session', 'exec']),
    mitogen: C.ansible(WORK, C.ansiblePlaybook(WORK, s), inv, n, fleet.knownHosts, [], true),
    ansible: C.ansible(WORK, C.ansiblePlaybook(WORK, s), inv, n, fleet.knownHosts),
  };
  if (withCold) {
    // The first Marshal run compiles the playbook (cached afterwards); record it on its own.
    const coldCache = join(WORK, 'cold-cache');
    rmSync(coldCache, { recursive: true, force: true });
    await ctx.alive(n);
    const coldInv = { ...invocations.marshal, env: { ...process.env, MARSHAL_CACHE_DIR: coldCache } };
    results.cold.push({ label: `marshal run W(${n},${s}), first run (empty compile cache)`, ...(await timed(`marshal (first run, cold cache)`, coldInv, n, s)) });
  }
  const samples: Record<Kind, Sample[]> = { floor: [], 'session-floor': [], marshal: [], 'marshal-exec': [], mitogen: [], ansible: [] };
  for (let r = 1; r <= Math.max(cfg.runs, cfg.quick ? 1 : 5); r++) {
    await ctx.alive(n);
    const order = kinds.filter((k) => (k !== 'ansible' && k !== 'mitogen') || r <= cfg.runs);
    const rotated = [...order.slice((r - 1) % order.length), ...order.slice(0, (r - 1) % order.length)];
    for (const k of rotated) samples[k].push(await timed(`${k} W(${n},${s}) run ${samples[k].length + 1}`, invocations[k], n, s));
  }
  for (const k of kinds) results.contenders.push({ label: k, n, s, samples: samples[k], median: summarise(samples[k]) });
}

/**
 * --list-tasks of the CX-7 playbook, on a copy of playbooks/ in bench/.work: warm (5 runs), the
 * first run after each of 5 edits of the playbook, and of a library it imports (a comment
 * appended: new content, so a compile-cache miss), then one run with an empty cache.
 */
async function listTasksSeries(ctx: Ctx): Promise<void> {
  const { cfg, results } = ctx;
  say(`\n--list-tasks`);
  const copy = join(WORK, 'edit-playbooks');
  rmSync(copy, { recursive: true, force: true });
  cpSync(join(REPO, 'playbooks'), copy, { recursive: true });
  const cx7Inv = join(WORK, 'cx7.ini');
  writeFileSync(cx7Inv, '[source]\nsrc1 ansible_host=127.100.0.1\n\n[destination]\ndst1 ansible_host=127.100.0.2\n');
  const pb = join(copy, 'prepare-cx7.ts');
  const call = C.marshal(REPO, warm(pb, cx7Inv), cx7Inv, 1, ['--list-tasks']);
  const runs = Math.max(cfg.runs, cfg.quick ? 1 : 5);
  const series = async (label: string, short: string, before: (r: number) => void): Promise<void> => {
    const xs: Sample[] = [];
    for (let r = 1; r <= runs; r++) {
      before(r);
      xs.push(await timed(`list-tasks ${short} ${r}/${runs}`, call, 0, 0, false));
    }
    results.listTasks.push({ label, n: 0, s: 0, samples: xs, median: summarise(xs) });
  };
  await series(LIST_WARM, 'warm', () => undefined);
  await series(LIST_EDITED, 'playbook edited', (r) => appendFileSync(pb, `// bench edit ${r}\n`));
  await series(LIST_LIB_EDITED, 'library edited', (r) => appendFileSync(join(copy, 'lib/cx7.ts'), `// bench edit ${r}\n`));
  const others: { label: string; call: C.Invocation }[] = [
    { label: `marshal --list-tasks (${cfg.listSteps} steps)`, call: C.marshal(REPO, warm(C.marshalPlaybook(WORK, cfg.listSteps), ctx.inventory(10)), ctx.inventory(10), 10, ['--list-tasks']) },
  ];
  if (cfg.ansible) others.push({ label: `ansible-playbook --list-tasks (${cfg.listSteps} steps)`, call: C.ansible(WORK, C.ansiblePlaybook(WORK, cfg.listSteps), ctx.inventory(10), 10, ctx.fleet.knownHosts, ['--list-tasks']) });
  for (const l of others) {
    const xs: Sample[] = [];
    for (let r = 1; r <= cfg.runs; r++) xs.push(await timed(`${l.label.slice(0, 26)} ${r}/${cfg.runs}`, l.call, 0, 0, false));
    results.listTasks.push({ label: l.label, n: 0, s: 0, samples: xs, median: summarise(xs) });
  }
  const coldList = { ...call, env: { ...process.env, MARSHAL_CACHE_DIR: join(WORK, 'cold-cache-list') } };
  rmSync(coldList.env.MARSHAL_CACHE_DIR, { recursive: true, force: true });
  results.cold.push({ label: `${LIST_WARM}, first run (empty compile cache)`, ...(await timed('list-tasks (first run, cold cache)', coldList, 0, 0, false)) });
}

/** W(n, S) for each n, `kinds` interleaved per n, --runs each, into results.nSeries. */
async function nSeriesRuns(ctx: Ctx, sizes: number[], kinds: ('marshal' | 'floor')[]): Promise<void> {
  const { cfg, results } = ctx;
  const steps = cfg.nSeriesSteps;
  say(`\nN series (S=${steps}): ${kinds.join(' and ')}`);
  const pbN = warm(C.marshalPlaybook(WORK, steps), ctx.inventory(sizes[0]!));
  for (const hosts of sizes) {
    const invN = ctx.inventory(hosts);
    for (const k of kinds) {
      const xs: Sample[] = [];
      for (let r = 1; r <= cfg.runs; r++) {
        await ctx.alive(hosts);
        const call = k === 'marshal' ? C.marshal(REPO, pbN, invN, hosts) : C.floor(ctx.floorJs, invN, steps);
        xs.push(await timed(`${k} W(${hosts},${steps}) ${r}/${cfg.runs}`, call, hosts, steps));
      }
      results.nSeries.push({ label: k, n: hosts, s: steps, samples: xs, median: summarise(xs) });
    }
  }
}

/** Rewrites the docs from the last run's raw figures (after a change to the report's text). */
function renderOnly(cfg: Config): void {
  const results = JSON.parse(readFileSync(join(WORK, 'results.json'), 'utf8')) as Results;
  writeFileSync(join(cfg.outDir, 'benchmarks.svg'), renderChart(results));
  writeFileSync(join(cfg.outDir, 'benchmarks.md'), renderMarkdown(results));
  say(`bench: rewrote ${join(cfg.outDir, 'benchmarks.md')} from ${join(WORK, 'results.json')}`);
}

async function main(): Promise<void> {
  const cfg = parseArgs(process.argv.slice(2));
  if (process.argv.includes('--render-only')) return renderOnly(cfg);
  if (process.getuid?.() !== 0) throw new Error('the bench needs root: each host is an sshd in its own mount namespace');
  mkdirSync(WORK, { recursive: true });
  const notes = ensureTools(say);
  const machine = machineInfo(REPO);
  const fleetDir = join(WORK, 'fleet');
  const stale = killLeftovers(fleetDir);
  if (stale) say(`bench: ended ${stale} sshd processes left by an interrupted bench`);

  const maxN = cfg.headToHeadOnly ? cfg.contenders.n : cfg.scaleOnly ? Math.max(...cfg.nSeries) : Math.max(cfg.contenders.n, cfg.sSeriesHosts, ...cfg.nSeries);
  say(`bench: starting ${maxN} sshd hosts on 127.100.x.y (clean /root, no ~/.bashrc) ...`);
  const t0 = performance.now();
  let fleet: Fleet | undefined;
  const stop = async (): Promise<void> => {
    if (fleet) await stopFleet(fleet);
    fleet = undefined;
  };
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
  try {
    fleet = await startFleet(fleetDir, maxN);
    say(`bench: ${maxN} hosts up in ${secs(performance.now() - t0)}`);
    const floorJs = C.buildFloor(REPO, WORK);
    const inventory = (n: number): string => writeInventory(fleet!, n, join(WORK, `inventory-${n}.ini`));
    const alive = async (n: number): Promise<void> => {
      const restarted = await ensureAlive(fleet!, n);
      if (restarted.length) say(`  (restarted sshd of ${restarted.join(', ')}: it had died)`);
    };
    const sessions = { contenders: 'persistent', series: C.defaultSession(REPO) } as const;
    const results: Results = { machine, notes, quick: cfg.quick, runs: cfg.runs, sessions, contenders: [], nSeries: [], sSeries: [], listTasks: [], cold: [] };

    const ctx: Ctx = { cfg, fleet, floorJs, inventory, alive, results };
    if (cfg.scaleOnly) {
      // --scale-only: W(500,10) and W(N,10), Marshal only, printed; docs/benchmarks.md untouched
      return await nSeriesRuns(ctx, cfg.nSeries.filter((n) => n >= 500), ['marshal']);
    }
    // 1. The contenders on W(50,10), then W(50,100); the first Marshal run of W(50,10) with an empty compile cache.
    await contenders(ctx, cfg.contenders.s, true);
    if (cfg.headToHeadOnly) {
      // a quick check after a change (e.g. a refactor): the ratio only, docs/benchmarks.md untouched
      for (const c of results.contenders) say(`${c.label}: ${c.samples.map((x) => secs(x.wallMs)).join(', ')}`);
      return;
    }
    for (const s of cfg.moreContenderSteps) await contenders(ctx, s, false);

    // 2. Marshal in its default session mode (and the floor, for reference) as N grows.
    await nSeriesRuns(ctx, cfg.nSeries, ['marshal', 'floor']);

    // 3. Marshal in its default session mode as S grows.
    say(`\nS series (N=${cfg.sSeriesHosts}): marshal and floor`);
    const invS = inventory(cfg.sSeriesHosts);
    for (const steps of cfg.sSeries) {
      const pbS = warm(C.marshalPlaybook(WORK, steps), invS);
      for (const k of ['marshal', 'floor'] as const) {
        const xs: Sample[] = [];
        for (let r = 1; r <= cfg.runs; r++) {
          await alive(cfg.sSeriesHosts);
          const call = k === 'marshal' ? C.marshal(REPO, pbS, invS, cfg.sSeriesHosts) : C.floor(floorJs, invS, steps);
          xs.push(await timed(`${k} W(${cfg.sSeriesHosts},${steps}) ${r}/${cfg.runs}`, call, cfg.sSeriesHosts, steps));
        }
        results.sSeries.push({ label: k, n: cfg.sSeriesHosts, s: steps, samples: xs, median: summarise(xs) });
      }
    }

    // 4. --list-tasks: no host is contacted; this is start-up plus loading the playbook (warm, after an edit, cold).
    await listTasksSeries(ctx);

    // 5. The run report page at 1,000 hosts × 50 steps in chromium.
    say('\nHTML report 1000x50 in chromium');
    results.html = await htmlReportBench(cfg.runs);
    say(`  rendered ${results.html.renderedMs.map((x) => secs(x)).join(', ')}`);

    await stop();
    mkdirSync(cfg.outDir, { recursive: true });
    writeFileSync(join(WORK, 'results.json'), JSON.stringify(results, null, 2) + '\n');
    writeFileSync(join(cfg.outDir, 'benchmarks.svg'), renderChart(results));
    writeFileSync(join(cfg.outDir, 'benchmarks.md'), renderMarkdown(results));
    say(`\nbench: wrote ${join(cfg.outDir, 'benchmarks.md')} and benchmarks.svg (raw figures: ${join(WORK, 'results.json')})`);
  } finally {
    await stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
