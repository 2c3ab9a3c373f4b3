/**
 * Ansible Vault decryption (formats 1.1 and 1.2, AES256), with node:crypto only: the envelope is
 * a header line and hexlified `hex(salt)\nhex(hmac)\nhex(ciphertext)`; PBKDF2-HMAC-SHA256 (10000
 * iterations) of the password gives 80 bytes: the AES-256-CTR key, the HMAC-SHA256 key, the counter.
 */
import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { UsageError } from '../errors';
import { isSecretVarName } from '../util/secret-names';

/** Settings such as ansible_host or ansible_user: not secrets, even in an encrypted file (masking the address would hide which host failed). */
const SETTING_VAR = /^(?:ansible|marshal)_/;

/** What marks vault text, a whole file or an inline `!vault` value. */
export const VAULT_HEADER = '$ANSIBLE_VAULT';
/** Ansible's label for a password given without a vault id (`--vault-password-file`, `--ask-vault-pass`). */
export const DEFAULT_VAULT_ID = 'default';

/** One vault password and its vault id (`--vault-id label@source`). */
export interface VaultSecret {
  readonly id: string;
  readonly password: string;
}

/** Where vault text was found, for messages: `file:line`. */
export interface VaultWhere {
  file: string;
  line?: number | undefined;
}

/** A vault problem: the message already names `file:line`, so `located` does not repeat it. */
export class VaultError extends UsageError {
  override name = 'VaultError';
  constructor(message: string, where: VaultWhere) {
    super(message, where.line === undefined ? { file: where.file } : { file: where.file, line: where.line });
  }
  override get located(): string {
    return this.message;
  }
}

export function isVaultText(text: string): boolean {
  return text.startsWith(VAULT_HEADER);
}

export function whereText(w: VaultWhere): string {
  return w.line === undefined ? w.file : `${w.file}:${w.line}`;
}

export interface VaultEnvelope {
  version: '1.1' | '1.2';
  /** The vault id in a 1.2 header; undefined for 1.1. */
  id: string | undefined;
  salt: Buffer;
  hmac: Buffer;
  ciphertext: Buffer;
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

function unhex(s: string, what: string, fail: (m: string) => never): Buffer {
  if (!HEX.test(s)) return fail(`its ${what} is not hexadecimal`);
  return Buffer.from(s, 'hex');
}

/** Splits vault text into its parts; a malformed envelope fails naming the part. */
export function parseEnvelope(text: string, where: VaultWhere): VaultEnvelope {
  const fail = (m: string): never => {
    throw new VaultError(`vault: ${whereText(where)}: not a valid ansible-vault envelope: ${m}`, where);
  };
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0]!.split(';').map((p) => p.trim());
  if (header[0] !== VAULT_HEADER) fail(`it does not start with ${VAULT_HEADER};`);
  const version = header[1];
  if (version !== '1.1' && version !== '1.2') return fail(`format version ${JSON.stringify(version ?? '')} is not supported (1.1 and 1.2 are)`);
  if (header[2] !== 'AES256') fail(`cipher ${JSON.stringify(header[2] ?? '')} is not supported (AES256 is)`);
  const id = version === '1.2' && header[3] ? header[3] : undefined;
  const body = unhex(lines.slice(1).map((l) => l.trim()).join(''), 'body', fail).toString('latin1');
  const parts = body.split('\n');
  if (parts.length !== 3) fail('its body does not hold salt, HMAC and ciphertext');
  const [salt, hmac, ciphertext] = parts.map((p, i) => unhex(p, ['salt', 'HMAC', 'ciphertext'][i]!, fail)) as [Buffer, Buffer, Buffer];
  if (hmac.length !== 32) fail(`its HMAC is ${hmac.length} bytes, not 32`);
  return { version, id, salt, hmac, ciphertext };
}

/** The plaintext if `password` is the right one, else undefined (the HMAC does not match). */
function tryPassword(env: VaultEnvelope, password: string, where: VaultWhere): Buffer | undefined {
  // the cost of vault: 38-42 ms per value on the shared 2-core dev machine (200 decrypts of fixtures/vault/extra.yml)
  const keys = pbkdf2Sync(Buffer.from(password, 'utf8'), env.salt, 10000, 80, 'sha256');
  const mac = createHmac('sha256', keys.subarray(32, 64)).update(env.ciphertext).digest();
  if (!timingSafeEqual(mac, env.hmac)) return undefined;
  const d = createDecipheriv('aes-256-ctr', keys.subarray(0, 32), keys.subarray(64, 80));
  const padded = Buffer.concat([d.update(env.ciphertext), d.final()]);
  // Ansible pads to 16-byte blocks (PKCS#7) even in CTR mode
  const pad = padded.at(-1) ?? 0;
  if (pad < 1 || pad > 16 || pad > padded.length || !padded.subarray(padded.length - pad).every((b) => b === pad)) {
    throw new VaultError(`vault: ${whereText(where)}: the HMAC matched but the padding is invalid (corrupted vault data)`, where);
  }
  return padded.subarray(0, padded.length - pad);
}

/**
 * Decrypts vault text. Like Ansible, secrets whose id matches a 1.2 header's vault id are tried
 * first, then every other one; no match is a VaultError naming the place and the vault id.
 */
export function decrypt(text: string, secrets: readonly VaultSecret[], where: VaultWhere): string {
  if (secrets.length === 0) {
    throw new VaultError(
      `vault: ${whereText(where)} is encrypted with ansible-vault but no vault password was given (use --vault-password-file, --vault-id or --ask-vault-pass)`,
      where,
    );
  }
  const env = parseEnvelope(text, where);
  const ordered = [...secrets.filter((s) => s.id === env.id), ...secrets.filter((s) => s.id !== env.id)];
  for (const s of ordered) {
    const plain = tryPassword(env, s.password, where);
    if (plain) return plain.toString('utf8');
  }
  const ids = env.id ?? [...new Set(secrets.map((s) => s.id))].join(', ');
  throw new VaultError(`vault: HMAC check failed for ${whereText(where)} (wrong password for vault id ${ids}?)`, where);
}

/**
 * The vault passwords of a run and every value they revealed: `onReveal` is called with each
 * decrypted value that must be masked, before anything can print it.
 */
export class Vault {
  private readonly cache = new Map<string, string>();
  readonly revealed = new Set<string>();

  constructor(
    readonly secrets: readonly VaultSecret[],
    private readonly onReveal?: (value: string) => void,
  ) {}

  /** Decrypts vault text; same text decrypts once (an anchor used by 1000 hosts costs one PBKDF2). */
  decrypt(text: string, where: VaultWhere): string {
    let plain = this.cache.get(text);
    if (plain === undefined) {
      plain = decrypt(text, this.secrets, where);
      this.cache.set(text, plain);
    }
    return plain;
  }

  /** Registers the vars of a whole encrypted file as secrets, except settings named ansible_... or marshal_... that are no passwords. */
  revealVars(vars: unknown): void {
    if (!vars || typeof vars !== 'object' || Array.isArray(vars)) return this.reveal(vars);
    for (const [k, v] of Object.entries(vars)) this.revealVar(k, v);
  }

  revealVar(name: string, value: unknown): void {
    if (!SETTING_VAR.test(name) || isSecretVarName(name)) this.reveal(value);
  }

  /** Registers a decrypted value (a string, or every string inside data) as a secret. */
  reveal(data: unknown): void {
    if (typeof data === 'string') {
      if (!data || this.revealed.has(data)) return;
      this.revealed.add(data);
      this.onReveal?.(data);
    } else if (data && typeof data === 'object') {
      for (const v of Object.values(data as object)) this.reveal(v);
    }
  }
}
