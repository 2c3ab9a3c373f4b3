/** yargs options derived from the settings table, so flags, env vars and docs never drift apart. */
import { readFileSync } from 'node:fs';
import type { HostKeyPolicy } from '../connection/types';
import type { ConnectionFlags } from '../runner';
import type { Argv, Options } from 'yargs';
import { SETTINGS } from '../config/settings';
import { setInputLimits } from '../util/read-limited';
import { UsageError } from '../errors';
import type { Vault } from '../inventory/vault';
import { askHidden } from './prompt';

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

/**
 * The run's vault passwords from --vault-id, --ask-vault-pass and --vault-password-file; `onReveal`
 * gets every value they decrypt (the CLI's masker). Without those flags: a Vault with no password.
 */
export async function vaultFromArgs(a: Record<string, unknown>, onReveal?: (value: string) => void): Promise<Vault> {
  /* eslint-disable @typescript-eslint/no-require-imports -- vault code loads with the command */
  const { Vault: VaultClass } = require('../inventory/vault') as typeof import('../inventory/vault');
  const { loadVaultSecrets } = require('../inventory/vault-secrets') as typeof import('../inventory/vault-secrets');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const ask = async (question: string): Promise<string> => {
    if (!process.stdin.isTTY) throw new UsageError('--ask-vault-pass and --vault-id label@prompt need a terminal to ask for the vault password; use --vault-password-file or --vault-id label@file instead');
    return askHidden(question);
  };
  const files = a.vaultPasswordFile === undefined ? [] : [a.vaultPasswordFile].flat().map(String).filter(Boolean);
  const secrets = await loadVaultSecrets({ passwordFiles: files, ids: splitList(a.vaultId) ?? [], ask: Boolean(a.askVaultPass) }, ask);
  return new VaultClass(secrets, onReveal);
}

/** Masks secrets in an error's message before it is printed (a vaulted value may be quoted in it). */
export function maskError(err: unknown, mask: (text: string) => string): unknown {
  if (err && typeof err === 'object' && typeof (err as Error).message === 'string') (err as Error).message = mask((err as Error).message);
  return err;
}

/** The connection flags `run` and `exec` share, from parsed arguments (each host's own vars beat them). */
export function connectionFlagsOf(a: Record<string, unknown>): ConnectionFlags {
  return {
    ...(a.hostKeyChecking ? { hostKeyChecking: a.hostKeyChecking as HostKeyPolicy } : {}),
    ...(a.connectTimeout !== undefined ? { connectTimeout: Number(a.connectTimeout) } : {}),
    ...(a.privateKey ? { privateKey: String(a.privateKey) } : {}),
    ...(a.maxOutput !== undefined ? { maxOutput: String(a.maxOutput) } : {}),
    ...(a.user ? { user: String(a.user) } : {}),
    ...(a.session ? { session: String(a.session) } : {}),
  };
}

/** The become password from --become-password-file (its last newline dropped) or --ask-become-pass; `run` and `exec` share it. */
export async function becomePasswordOf(a: Record<string, unknown>): Promise<string | undefined> {
  if (a.becomePasswordFile) {
    try {
      return readFileSync(String(a.becomePasswordFile), 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      throw new UsageError(`--become-password-file: ${(err as Error).message}`);
    }
  }
  return a.askBecomePass ? askHidden('BECOME password: ') : undefined;
}
