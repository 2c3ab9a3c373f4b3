/**
 * ops.user and ops.group (Ansible's user/group, pyinfra's server.user/group): read with getent,
 * changed with useradd/usermod/userdel and groupadd/groupmod/groupdel, only what differs.
 */
import { argv, isSecret, secret, sh, type Secret } from '../dsl/command';
import { expectThat } from '../dsl/expect';
import type { HostContext, HostStep, Vars } from '../dsl/types';
import { groupInfo, userInfo, type GroupInfo, type UserInfo } from '../facts/accounts';
import { fileInfo, fileText } from '../facts/files';
import { checkKeys, opError, opStep, type OpOptions } from './common';

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*\$?$/;

function checkName(op: string, what: string, v: unknown): string {
  if (typeof v !== 'string' || v.length > 32 || !NAME.test(v)) throw opError(op, `\`${what}\` must be a user or group name (letters, digits, _ . -; at most 32), got ${JSON.stringify(v)}`);
  return v;
}

function checkId(op: string, what: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xfffffffe) throw opError(op, `\`${what}\` must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

function checkText(op: string, what: string, v: unknown, path = false): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || /[:\n\0]/.test(v) || (path && !v.startsWith('/'))) throw opError(op, `\`${what}\` must be ${path ? 'an absolute path' : 'text'} without ':' or newlines, got ${JSON.stringify(v)}`);
  return v;
}

/** What account changes forget: the accounts, and the owner names every path fact shows. */
function forgetAccounts(h: HostContext): void {
  for (const f of [userInfo, groupInfo, fileInfo, fileText]) h.facts.invalidate(f);
}

// ---- user -------------------------------------------------------------------------------------------

export interface UserOptions<V extends object = Vars> extends OpOptions<V> {
  /** The login name. */
  user: string;
  /** present (default) or absent. */
  state?: 'present' | 'absent';
  /** The numeric user id. */
  uid?: number;
  /** The primary group (a name; it must exist). */
  group?: string;
  /** Supplementary groups (names; they must exist): exactly these, or with `append` at least these. */
  groups?: readonly string[];
  /** Keep supplementary groups not listed in `groups` (default false: exactly `groups`). */
  append?: boolean;
  /** The home directory (usermod -d changes the entry, it does not move files). */
  home?: string;
  /** The login shell. */
  shell?: string;
  /** The GECOS comment (full name). */
  comment?: string;
  /** Create it as a system account (useradd -r; only when it is created). */
  system?: boolean;
  /** Create the home directory when the user is created (default true, useradd -m). */
  createHome?: boolean;
  /** With state absent: also remove the home directory and mail spool (userdel -r). */
  remove?: boolean;
  /** The password as a crypt(3) hash (`openssl passwd -6`), never clear text; always masked, compared on the host. */
  password?: string | Secret;
}

export interface WantUser {
  user: string;
  uid?: number | undefined;
  group?: string | undefined;
  groups?: readonly string[] | undefined;
  append: boolean;
  home?: string | undefined;
  shell?: string | undefined;
  comment?: string | undefined;
  system: boolean;
  createHome: boolean;
}

/** Pure: what differs between a user's entry and the wanted one, as usermod arguments and notes. */
export function userChanges(cur: UserInfo, w: WantUser): { args: string[]; notes: string[] } {
  const args: string[] = [];
  const notes: string[] = [];
  const field = (flag: string, what: string, seen: string | number, want: string | number | undefined) => {
    if (want === undefined || seen === want) return;
    args.push(flag, String(want));
    notes.push(`${what} ${seen} → ${want}`);
  };
  field('-u', 'uid', cur.uid, w.uid);
  field('-g', 'group', cur.group, w.group);
  field('-d', 'home', cur.home, w.home);
  field('-s', 'shell', cur.shell, w.shell);
  field('-c', 'comment', cur.comment, w.comment);
  if (w.groups !== undefined) {
    const want = [...new Set(w.groups)].filter((g) => g !== (w.group ?? cur.group)).sort();
    const added = want.filter((g) => !cur.groups.includes(g));
    const removed = w.append ? [] : cur.groups.filter((g) => !want.includes(g));
    if (added.length > 0 || removed.length > 0) {
      args.push(...(w.append ? ['-a', '-G', added.join(',')] : ['-G', want.join(',')]));
      notes.push(`groups ${[...added.map((g) => `+${g}`), ...removed.map((g) => `-${g}`)].join(' ')}`);
    }
  }
  return { args, notes };
}

/** Pure: the useradd arguments that create the wanted user. */
export function useraddArgs(w: WantUser): string[] {
  const a: string[] = [];
  if (w.system) a.push('-r');
  if (w.createHome) a.push('-m');
  else a.push('-M');
  if (w.uid !== undefined) a.push('-u', String(w.uid));
  if (w.group !== undefined) a.push('-g', w.group);
  if (w.groups !== undefined && w.groups.length > 0) a.push('-G', [...new Set(w.groups)].join(','));
  if (w.home !== undefined) a.push('-d', w.home);
  if (w.shell !== undefined) a.push('-s', w.shell);
  if (w.comment !== undefined) a.push('-c', w.comment);
  return [...a, '--', w.user];
}

function wantUser(o: Record<string, unknown>): WantUser {
  const op = 'user()';
  if (o.groups !== undefined && (!Array.isArray(o.groups) || o.groups.some((g) => typeof g !== 'string'))) throw opError(op, '`groups` must be a list of group names');
  for (const g of (o.groups as string[] | undefined) ?? []) checkName(op, 'groups', g);
  for (const k of ['append', 'system', 'createHome', 'remove']) if (o[k] !== undefined && typeof o[k] !== 'boolean') throw opError(op, `\`${k}\` must be true or false`);
  return {
    user: checkName(op, 'user', o.user),
    uid: checkId(op, 'uid', o.uid),
    group: o.group === undefined ? undefined : checkName(op, 'group', o.group),
    groups: o.groups as string[] | undefined,
    append: o.append === true,
    home: checkText(op, 'home', o.home, true),
    shell: checkText(op, 'shell', o.shell, true),
    comment: checkText(op, 'comment', o.comment),
    system: o.system === true,
    createHome: o.createHome !== false,
  };
}

const USER_KEYS = ['user', 'state', 'uid', 'group', 'groups', 'append', 'home', 'shell', 'comment', 'system', 'createHome', 'remove', 'password'];

/** The password hash as a secret (masked wherever it appears); a locked '!' / '*' or a `$id$...` crypt hash. */
function passwordOf(v: unknown): Secret | undefined {
  if (v === undefined) return undefined;
  const text = isSecret(v) ? v.value : v;
  if (typeof text !== 'string' || !/^(!|\*|!?\$[A-Za-z0-9]+\$[^:\s]+)$/.test(text)) {
    throw opError('user()', '`password` must be a crypt(3) hash such as the output of `openssl passwd -6` (or ! / * for locked), not clear text');
  }
  return secret(text);
}

/** A user account present with these attributes (only what is given is managed), or absent. */
export function user<V extends object = Vars>(opts: UserOptions<V>): HostStep<V> {
  const o = checkKeys('user()', opts, USER_KEYS, ['user']);
  const state = o.state ?? 'present';
  if (state !== 'present' && state !== 'absent') throw opError('user()', `\`state\` must be 'present' or 'absent', got ${JSON.stringify(o.state)}`);
  const w = wantUser(o);
  if (state === 'absent') return userAbsent<V>(o, w.user, o.remove === true);
  if (o.remove !== undefined) throw opError('user()', '`remove` goes with state absent');
  const pw = passwordOf(o.password);
  // the hash is compared on the host: it never comes back, and is masked in the command
  const pwHolds = (h: HostContext<V>) => (pw ? h.test(sh`[ "$(getent shadow -- ${w.user} | cut -d: -f2)" = ${pw} ]`) : Promise.resolve(true));
  const pending = async (h: HostContext<V>, cur: UserInfo | undefined) => {
    if (!cur) return [`created (${useraddArgs(w).slice(0, -2).join(' ') || 'defaults'}${pw ? ', with a password' : ''})`];
    const notes = userChanges(cur, w).notes;
    return (await pwHolds(h)) ? notes : [...notes, 'password changed'];
  };
  return opStep<V>(o, `user ${w.user}`, {
    check: async (h) => {
      const notes = await pending(h, await h.facts.refresh(userInfo, w.user));
      if (h.diffMode) for (const n of notes) h.note(`user ${w.user}: ${n}`);
      return notes.length === 0;
    },
    run: async (h) => {
      const cur = await h.facts.get(userInfo, w.user);
      try {
        if (!cur) await h.run(argv(['useradd', ...(pw ? ['-p', pw] : []), ...useraddArgs(w)]));
        else {
          const args: (string | Secret)[] = userChanges(cur, w).args;
          if (pw && !(await pwHolds(h))) args.push('-p', pw);
          if (args.length > 0) await h.run(argv(['usermod', ...args, '--', w.user]));
        }
      } finally {
        forgetAccounts(h as HostContext);
      }
    },
    verify: async (h) => {
      const notes = await pending(h, await h.facts.refresh(userInfo, w.user));
      expectThat(notes.length === 0, `user ${w.user} as wanted`, notes.join(', '));
    },
  });
}

function userAbsent<V extends object>(o: Record<string, unknown>, name: string, remove: boolean): HostStep<V> {
  return opStep<V>(o, `user ${name} absent`, {
    check: async (h) => {
      const cur = await h.facts.refresh(userInfo, name);
      if (cur && h.diffMode) h.note(`user ${name}: removed${remove ? ` with ${cur.home}` : ''}`);
      return cur === undefined;
    },
    run: async (h) => {
      try {
        await h.run(argv(['userdel', ...(remove ? ['-r'] : []), '--', name]));
      } finally {
        forgetAccounts(h as HostContext);
      }
    },
    verify: async (h) => {
      const cur = await h.facts.refresh(userInfo, name);
      expectThat(cur === undefined, `no user ${name}`, cur ? `uid ${cur.uid}` : undefined);
    },
  });
}

// ---- group ------------------------------------------------------------------------------------------

export interface GroupOptions<V extends object = Vars> extends OpOptions<V> {
  /** The group name. */
  group: string;
  /** present (default) or absent. */
  state?: 'present' | 'absent';
  /** The numeric group id. */
  gid?: number;
  /** Create it as a system group (groupadd -r; only when it is created). */
  system?: boolean;
}

/** Pure: the notes of what differs (a missing group: created). */
export function groupChanges(cur: GroupInfo | undefined, gid: number | undefined): string[] {
  if (!cur) return [`created${gid !== undefined ? ` with gid ${gid}` : ''}`];
  return gid !== undefined && cur.gid !== gid ? [`gid ${cur.gid} → ${gid}`] : [];
}

/** A group present (with `gid` when given), or absent. */
export function group<V extends object = Vars>(opts: GroupOptions<V>): HostStep<V> {
  const o = checkKeys('group()', opts, ['group', 'state', 'gid', 'system'], ['group']);
  const name = checkName('group()', 'group', o.group);
  const gid = checkId('group()', 'gid', o.gid);
  const state = o.state ?? 'present';
  if (state !== 'present' && state !== 'absent') throw opError('group()', `\`state\` must be 'present' or 'absent', got ${JSON.stringify(o.state)}`);
  if (o.system !== undefined && typeof o.system !== 'boolean') throw opError('group()', '`system` must be true or false');
  const absent = state === 'absent';
  const pending = (cur: GroupInfo | undefined): string[] => (absent ? (cur ? ['removed'] : []) : groupChanges(cur, gid));
  return opStep<V>(o, `group ${name}${absent ? ' absent' : ''}`, {
    check: async (h) => {
      const notes = pending(await h.facts.refresh(groupInfo, name));
      if (h.diffMode) for (const n of notes) h.note(`group ${name}: ${n}`);
      return notes.length === 0;
    },
    run: async (h) => {
      const cur = await h.facts.get(groupInfo, name);
      try {
        if (absent) await h.run(argv(['groupdel', '--', name]));
        else if (!cur) await h.run(argv(['groupadd', ...(o.system === true ? ['-r'] : []), ...(gid !== undefined ? ['-g', String(gid)] : []), '--', name]));
        else await h.run(argv(['groupmod', '-g', String(gid), '--', name]));
      } finally {
        forgetAccounts(h as HostContext);
      }
    },
    verify: async (h) => {
      const notes = pending(await h.facts.refresh(groupInfo, name));
      expectThat(notes.length === 0, absent ? `no group ${name}` : `group ${name} as wanted`, notes.join(', '));
    },
  });
}
