/**
 * A role-like library for a small static web server: functions that return steps, used by both
 * playbooks (web.ts configures the server, content.ts publishes the sites). Everything lives
 * under the `web_root` var, so the same steps serve /srv/www on a fleet and a temp dir in tests.
 */
import { block, expectEqual, expectThat, loop, ops, sh, step, type HostContext, type StepList } from 'marshal';
import { currentRelease, webConf, type WebConf } from './facts';
import type { Site, WebVars } from './vars';

type H = HostContext<WebVars>;

/** What web.conf should hold on this host. */
export function wantedConf(h: H): WebConf {
  return { listen: h.vars.port, root: `${h.vars.web_root}/current`, sites: h.vars.sites.map((s) => s.name) };
}

export function renderConf(c: WebConf): string {
  return ['# managed by Marshal (examples/web)', `listen=${c.listen}`, `root=${c.root}`, ...c.sites.map((s) => `site=${s}`), ''].join('\n');
}

/** The page a site serves. */
export function page(s: Site, release: string): string {
  return `<!doctype html>\n<title>${s.title}</title>\n<h1>${s.title}</h1>\n<p>release ${release}</p>\n`;
}

/** The server's directories: a loop whose items (paths under web_root) are known only on the host. */
export function webServerBase(): StepList<WebVars> {
  return [
    loop({
      name: 'web directories',
      items: (h: H) => ['', '/releases', '/run'].map((d) => `${h.vars.web_root}${d}`),
      each: (dir) => ops.directory({ path: dir, mode: 0o755 }),
    }),
  ];
}

/** web.conf: written only when it differs; a change notifies the `reload web` handler. */
export function webServerConfig(): StepList<WebVars> {
  const path = (h: H) => `${h.vars.web_root}/web.conf`;
  return [
    step({
      name: 'web.conf',
      check: async (h: H) => JSON.stringify(await h.fact(webConf, h.vars.web_root)) === JSON.stringify(wantedConf(h)),
      run: (h: H) => h.put(path(h), renderConf(wantedConf(h)), { mode: 0o644 }),
      verify: async (h: H) => expectEqual(await h.fact(webConf, h.vars.web_root), wantedConf(h), 'web.conf'),
      notify: 'reload web',
    }),
  ];
}

/** The handler both playbooks list: reads the configuration back (it must parse) and records the reload. */
export const reloadWeb = step({
  name: 'reload web',
  run: async (h: H) => {
    const conf = await h.fact(webConf, h.vars.web_root);
    expectThat(conf !== undefined, 'a web.conf to reload', 'none');
    await h.run(sh`echo ${`listen=${conf!.listen}`} > ${`${h.vars.web_root}/run/reloaded`}`);
  },
});

/** The release the `current` link points to before this run: registered, read back typed with h.get(). */
export const previousRelease = step({
  name: 'previous release',
  readOnly: true,
  run: (h: H) => h.fact(currentRelease, h.vars.web_root),
  register: 'previous_release',
});

/** Points `current` at `target` (a path relative to web_root). */
async function link(h: H, target: string): Promise<void> {
  await h.run(sh`ln -sfn -- ${target} ${`${h.vars.web_root}/current`}`);
}

/**
 * Publishes the sites as a new release: pages (a loop over the sites, run-time items), then
 * `current` switches to it and a smoke test checks the server would serve it. Any failure
 * rolls `current` back to the previous release (rescue); the link is checked in any case (always).
 */
export function publishSites(): StepList<WebVars> {
  const releaseDir = (h: H) => `releases/${h.vars.release}`;
  const pages = (h: H) => h.vars.sites.map((s) => ({ ...s, dir: `${h.vars.web_root}/${releaseDir(h)}/${s.name}`, release: h.vars.release }));
  return [
    previousRelease,
    block({
      name: 'release',
      steps: [
        loop({ name: 'site directories', items: pages, label: (p) => p.name, each: (p) => ops.directory({ path: p.dir, mode: 0o755 }) }),
        loop({ name: 'site pages', items: pages, label: (p) => p.name, each: (p) => ops.file({ path: `${p.dir}/index.html`, content: page(p, p.release), mode: 0o644 }) }),
        step({
          name: 'current release',
          check: async (h: H) => (await h.fact(currentRelease, h.vars.web_root)) === releaseDir(h),
          run: (h: H) => link(h, releaseDir(h)),
          notify: 'reload web',
        }),
        step({
          name: 'smoke test',
          verify: async (h: H) => {
            const conf = await h.fact(webConf, h.vars.web_root);
            expectEqual(conf?.listen, h.vars.port, 'the port web.conf listens on');
            for (const s of h.vars.sites) expectThat(await h.test(sh`test -s ${`${h.vars.web_root}/current/${s.name}/index.html`}`), `a page for ${s.name}`, 'none');
          },
        }),
      ],
      rescue: [
        step({
          name: 'roll back',
          run: async (h: H) => {
            const previous = h.get(previousRelease); // string | undefined: what `run` returned
            if (previous) await link(h, previous);
            else await h.run(sh`rm -f -- ${`${h.vars.web_root}/current`}`);
            h.warn(`release ${h.vars.release} failed its smoke test: current is ${previous ?? 'unset'} again`);
          },
          notify: 'reload web',
        }),
      ],
      always: [
        step({
          name: 'current points at a release',
          verify: async (h: H) => {
            const now = await h.fact(currentRelease, h.vars.web_root);
            expectThat(now === undefined || (await h.test(sh`test -d ${`${h.vars.web_root}/current/`}`)), 'current to be a release directory', now ?? 'none');
          },
        }),
      ],
    }),
  ];
}
