/**
 * Where vault passwords come from, as in Ansible: `--vault-id label@file|label@prompt`, then
 * `--ask-vault-pass`, then `--vault-password-file` (both with the vault id `default`). A password
 * file that is executable is run (no shell, no arguments but `--vault-id label` for `*-client`
 * scripts, as Ansible does) and its stdout is the password.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { basename } from 'node:path';
import { UsageError } from '../errors';
import { readLimited } from '../util/read-limited';
import { DEFAULT_VAULT_ID, type VaultSecret } from './vault';

export interface VaultSources {
  /** `--vault-password-file` (repeatable). */
  passwordFiles?: readonly string[];
  /** `--vault-id label@source` (repeatable); a source without `label@` gets the id `default`. */
  ids?: readonly string[];
  /** `--ask-vault-pass`. */
  ask?: boolean;
}

/** Asks for a password on the terminal, without echo. */
export type AskPassword = (question: string) => Promise<string>;

/** A password script may ask a keyring or a person; a minute is ample, and it cannot hang a run. */
const SCRIPT_TIMEOUT_MS = 60_000;
/** Ansible's password files are a line; 64 KiB keeps a runaway script from filling memory. */
const MAX_PASSWORD_BYTES = 64 * 1024;

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function runScript(file: string, id: string, what: string): string {
  // Ansible's client scripts (`*-client`, `*-client.py`) are told which vault id is wanted
  const args = /-client(?:\.[^.]+)?$/.test(basename(file)) ? ['--vault-id', id] : [];
  try {
    // stderr goes to the terminal as is: a script's prompt or complaint, never captured into messages
    return execFileSync(file, args, { stdio: ['inherit', 'pipe', 'inherit'], timeout: SCRIPT_TIMEOUT_MS, maxBuffer: MAX_PASSWORD_BYTES, encoding: 'utf8' });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { status?: number | null; signal?: string | null };
    const why = e.code === 'ENOBUFS' ? `printed more than ${MAX_PASSWORD_BYTES} bytes` : e.signal ? `was stopped by ${e.signal}${e.signal === 'SIGTERM' ? ` (timed out after ${SCRIPT_TIMEOUT_MS / 1000} s?)` : ''}` : typeof e.status === 'number' ? `exited ${e.status}` : `could not be run (${e.code ?? 'error'})`;
    throw new UsageError(`${what}: the vault password script ${file} ${why}`, { file });
  }
}

/** The password in `file` (or printed by it, if it is executable), trimmed like Ansible's. */
export function readPasswordFile(file: string, id: string, what: string): string {
  const text = isExecutable(file) ? runScript(file, id, what) : readLimited(file, { what, maxBytes: MAX_PASSWORD_BYTES });
  const password = text.trim();
  if (!password) throw new UsageError(`${what}: the vault password from ${file} is empty`, { file });
  return password;
}

/** `label@source` → [label, source]; a bare source has the id `default`. */
export function parseVaultId(spec: string): { id: string; source: string } {
  const at = spec.indexOf('@');
  const id = at < 0 ? DEFAULT_VAULT_ID : spec.slice(0, at);
  const source = at < 0 ? spec : spec.slice(at + 1);
  if (!id || !source) throw new UsageError(`--vault-id: expected label@file or label@prompt, got ${JSON.stringify(spec)}`);
  if (id.includes(';')) throw new UsageError(`--vault-id: a vault id may not contain ';' (got ${JSON.stringify(id)})`);
  return { id, source };
}

async function prompt(ask: AskPassword, question: string, what: string): Promise<string> {
  const password = await ask(question);
  if (!password) throw new UsageError(`${what}: the vault password is empty`);
  return password;
}

/** Reads every password the flags name, in Ansible's order. */
export async function loadVaultSecrets(src: VaultSources, ask: AskPassword): Promise<VaultSecret[]> {
  const out: VaultSecret[] = [];
  for (const spec of src.ids ?? []) {
    const { id, source } = parseVaultId(spec);
    const what = `--vault-id ${id}@${source}`;
    out.push({ id, password: source === 'prompt' ? await prompt(ask, `Vault password (${id}): `, what) : readPasswordFile(source, id, what) });
  }
  if (src.ask) out.push({ id: DEFAULT_VAULT_ID, password: await prompt(ask, 'Vault password: ', '--ask-vault-pass') });
  for (const file of src.passwordFiles ?? []) out.push({ id: DEFAULT_VAULT_ID, password: readPasswordFile(file, DEFAULT_VAULT_ID, '--vault-password-file') });
  return out;
}
