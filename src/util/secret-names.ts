/** Which variable names hold secrets: Ansible's own connection passwords, then a name rule. */

/** Ansible's connection and become password variables (ansible-core `connection`/`become` plugins). */
const ANSIBLE_SECRET_VARS = new Set([
  'ansible_password',
  'ansible_become_pass',
  'ansible_become_password',
  'ansible_ssh_pass',
  'ansible_sudo_pass',
  'ansible_ssh_private_key_passphrase',
]);

const SECRET_NAME = /(^|_)(password|passwd|pass|secret|token|private_key_passphrase)$/i;

/** True when a variable's value must be masked because of its name alone. */
export function isSecretVarName(name: string): boolean {
  return ANSIBLE_SECRET_VARS.has(name.toLowerCase()) || SECRET_NAME.test(name);
}
