/** Facts of the web role: a read-only command plus a pure parser, unit-tested on verbatim output (test/facts.test.ts). */
import { defineFact, sh, FactParseError } from 'marshal';

/** The web server's configuration as the host has it: undefined when there is none yet. */
export interface WebConf {
  listen: number;
  root: string;
  sites: string[];
}

/** Parses web.conf: `key=value` lines (`site` may repeat), `#` comments and blank lines ignored. */
export function parseWebConf(text: string): WebConf {
  const conf: Partial<WebConf> = { sites: [] };
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([a-z]+)=(.*)$/.exec(line);
    if (!m) throw new FactParseError('webConf', `line ${i + 1} is not key=value: ${JSON.stringify(raw)}`);
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'listen') {
      if (!/^\d+$/.test(value)) throw new FactParseError('webConf', `line ${i + 1}: listen must be a port number, got ${JSON.stringify(value)}`);
      conf.listen = Number(value);
    } else if (key === 'root') conf.root = value;
    else if (key === 'site') conf.sites!.push(value);
    else throw new FactParseError('webConf', `line ${i + 1}: unknown key "${key}"`);
  });
  if (conf.listen === undefined || conf.root === undefined) throw new FactParseError('webConf', 'listen= and root= are required');
  return { listen: conf.listen, root: conf.root, sites: conf.sites! };
}

export const webConf = defineFact({
  name: 'webConf',
  // exit 1 with nothing on stdout: no configuration yet
  command: (root: string) => sh`cat -- ${`${root}/web.conf`} 2>/dev/null || exit 1`,
  okExitCodes: [0, 1],
  parse: (stdout, exitCode): WebConf | undefined => (exitCode === 1 ? undefined : parseWebConf(stdout)),
});

/** The target of the `current` link (a release directory), or undefined when there is no link. */
export const currentRelease = defineFact({
  name: 'currentRelease',
  command: (root: string) => sh`readlink -- ${`${root}/current`} || exit 1`,
  okExitCodes: [0, 1],
  parse: (stdout, exitCode): string | undefined => (exitCode === 1 ? undefined : stdout.trim()),
});
