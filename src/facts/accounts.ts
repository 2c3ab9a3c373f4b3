/** Users and groups as the name service sees them (getent), for ops.user and ops.group. */
import { defineFact } from '../dsl/fact';
import { sh } from '../dsl/command';
import { FactParseError } from '../errors';
import { lines, show } from './parse';

export interface UserInfo {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  /** The GECOS field (comment). */
  readonly comment: string;
  readonly home: string;
  readonly shell: string;
  /** The primary group's name (its number as text when no group has that gid). */
  readonly group: string;
  /** Supplementary groups, sorted, without the primary group. */
  readonly groups: readonly string[];
}

/** Pure: `getent passwd NAME`, then `id -gn`, then `id -Gn`; exit 2 is "no such user" (undefined). */
export function parseUserInfo(stdout: string, exitCode: number): UserInfo | undefined {
  const FACT = 'account.user';
  if (exitCode === 2) return undefined;
  const [entry, primary, all, ...rest] = lines(stdout);
  const f = (entry ?? '').split(':');
  if (f.length !== 7 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) throw new FactParseError(FACT, `not a passwd entry (name:x:uid:gid:gecos:home:shell): ${show(entry ?? '')}`);
  if (!primary || all === undefined || rest.length > 0) throw new FactParseError(FACT, `expected the passwd entry, the primary group and the group list (id -gn, id -Gn): ${show(stdout)}`);
  const groups = [...new Set(all.split(' ').filter((g) => g !== '' && g !== primary))].sort();
  return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), comment: f[4]!, home: f[5]!, shell: f[6]!, group: primary, groups };
}

/** A user's passwd entry, primary group and supplementary groups; undefined when there is no such user. */
export const userInfo = defineFact({
  name: 'account.user',
  command: (name: string) => sh`getent passwd -- ${name} || exit 2; id -gn -- ${name} 2>/dev/null; id -Gn -- ${name} 2>/dev/null; exit 0`,
  parse: (stdout, exitCode) => parseUserInfo(stdout, exitCode),
  okExitCodes: [0, 2],
});

export interface GroupInfo {
  readonly name: string;
  readonly gid: number;
  /** Users listed as members (not the users whose primary group it is). */
  readonly members: readonly string[];
}

/** Pure: `getent group NAME` (name:x:gid:members); exit 2 is "no such group" (undefined). */
export function parseGroupInfo(stdout: string, exitCode: number): GroupInfo | undefined {
  const FACT = 'account.group';
  if (exitCode === 2) return undefined;
  const l = lines(stdout);
  const f = (l[0] ?? '').split(':');
  if (l.length !== 1 || f.length !== 4 || !/^\d+$/.test(f[2]!)) throw new FactParseError(FACT, `not one group entry (name:x:gid:members): ${show(stdout)}`);
  return { name: f[0]!, gid: Number(f[2]), members: f[3]!.split(',').filter(Boolean) };
}

/** A group's entry; undefined when there is no such group. */
export const groupInfo = defineFact({
  name: 'account.group',
  command: (name: string) => sh`getent group -- ${name}`,
  parse: (stdout, exitCode) => parseGroupInfo(stdout, exitCode),
  okExitCodes: [0, 2],
});
