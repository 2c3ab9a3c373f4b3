/**
 * The one rule for which variable names hold secrets (Ansible's connection passwords, anything
 * named like a password, secret or token, and `vault_*`), and the masking of their values in
 * text quoted from an input (an inventory line, an `-e` argument) inside an error message.
 */

/** What a masked secret looks like in every log, report, page and error. */
export const MASK = '********';

const ANSIBLE_SECRETS = new Set([
  'ansible_password',
  'ansible_ssh_pass',
  'ansible_ssh_password',
  'ansible_become_pass',
  'ansible_become_password',
  'ansible_sudo_pass',
  'ansible_sudo_password',
  'ansible_su_pass',
  'ansible_su_password',
]);
/** A `_`-separated word that marks a secret (`db_password_old`, `smtp_pass`), but not `tokens` or `secretary`. */
const SECRET_WORD = new Set(['password', 'passwd', 'pass', 'secret', 'token', 'passphrase']);
/** Run together at the end (`githubToken`, `dbpassword`); `pass` is left out: `compass`, `bypass`. */
const SECRET_END = /(password|passwd|secret|token|passphrase)$/;

/** True when a variable's value must be masked because of its name alone. */
export function isSecretVarName(name: string): boolean {
  const n = name.toLowerCase();
  return ANSIBLE_SECRETS.has(n) || n.startsWith('vault_') || n.split('_').some((w) => SECRET_WORD.has(w)) || SECRET_END.test(n);
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/g;
// after a secret name (maybe a JSON key's closing quote): `=`, `:` or blanks, then a value: "quoted" (maybe unterminated), 'quoted', or a word
const VALUE = /("?\s*[=:]\s*|\s+)("(?:[^"\\]|\\.)*(?:"|$)|'[^']*(?:'|$)|[^\s'"]+)/y;

/** `web1 ansible_password="s3 cr3t" x=1` → `web1 ansible_password=******** x=1`. */
export function maskSecretAssignments(text: string): string {
  let out = '';
  let done = 0;
  for (const m of text.matchAll(NAME)) {
    const end = m.index + m[0].length;
    if (m.index < done || !isSecretVarName(m[0])) continue;
    VALUE.lastIndex = end;
    const v = VALUE.exec(text);
    if (!v) continue;
    out += text.slice(done, end) + v[1] + MASK;
    done = VALUE.lastIndex;
  }
  return out + text.slice(done);
}
