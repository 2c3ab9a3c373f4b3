/** yargs options derived from the settings table, so flags, env vars and docs never drift apart. */
import type { Argv, Options } from 'yargs';
import { SETTINGS } from '../config/settings';
import { setInputLimits } from '../util/read-limited';

export function withSettings<T>(y: Argv<T>, command: 'run' | 'check' | 'inventory' | 'exec'): Argv<T> {
  let out = y;
  for (const s of SETTINGS) {
    if (!s.commands.includes(command)) continue;
    const opt: Options = { describe: s.description };
    if (s.alias) opt.alias = s.alias;
    if (s.type === 'count') opt.count = true;
    else opt.type = s.type;
    if (s.choices) opt.choices = [...s.choices];
    const envValue = s.env ? process.env[s.env] : undefined;
    if (envValue !== undefined && envValue !== '') {
      opt.default = s.type === 'number' ? Number(envValue) : s.type === 'boolean' ? envValue !== '0' && envValue !== 'false' : s.type === 'array' ? [envValue] : envValue;
    } else if (s.default !== undefined) opt.default = s.default;
    if (s.type === 'array') opt.string = true;
    out = out.option(s.flag, opt) as Argv<T>;
  }
  // the reader and YAML loader are shared by every command: give them the limits before any input is read
  return out.middleware((a) => setInputLimits({ maxBytes: a.maxInputSize as string | undefined, maxAliases: a.maxYamlAliases as number | undefined }));
}

/** `--tags a,b --tags c` → ['a', 'b', 'c'] */
export function splitList(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const list = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((x) => x.trim()).filter(Boolean);
  return list.length ? list : undefined;
}
