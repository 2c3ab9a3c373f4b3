/**
 * Every setting declared once (Ansible's config/base.yml idea): the CLI flags, environment
 * variables and docs/settings.md are all derived from this table.
 */

export interface Setting {
  /** Key in RunSettings. */
  key: string;
  /** Long flag without dashes. */
  flag: string;
  alias?: string;
  env?: string;
  type: 'string' | 'number' | 'boolean' | 'array' | 'count';
  default?: string | number | boolean;
  choices?: readonly string[];
  description: string;
  /** Which commands take it. */
  commands: readonly ('run' | 'check' | 'inventory' | 'exec')[];
}

export const SETTINGS: readonly Setting[] = [
  { key: 'inventory', flag: 'inventory', alias: 'i', env: 'MARSHAL_INVENTORY', type: 'array', description: 'Inventory file or directory (repeatable), Ansible INI/YAML', commands: ['run', 'check', 'inventory', 'exec'] },
  { key: 'limit', flag: 'limit', alias: 'l', type: 'string', description: 'Further limit hosts with a pattern (globs, a:b, &, !)', commands: ['run', 'check', 'exec'] },
  { key: 'shard', flag: 'shard', env: 'MARSHAL_SHARD', type: 'string', description: 'Run slice K of N of the hosts (after --limit; hosts that run together, by batchBy or an across-step grouping, stay in one slice); merge the reports with marshal report merge (docs/scale.md)', commands: ['run'] },
  { key: 'tags', flag: 'tags', alias: 't', type: 'array', description: 'Only run steps with these tags (comma-separated or repeated)', commands: ['run', 'check'] },
  { key: 'skipTags', flag: 'skip-tags', type: 'array', description: 'Skip steps with these tags', commands: ['run', 'check'] },
  { key: 'check', flag: 'check', alias: 'C', type: 'boolean', default: false, description: "Run checks only: report what would change, change nothing (refused by exec: a command cannot be predicted)", commands: ['run', 'exec'] },
  { key: 'diff', flag: 'diff', alias: 'D', type: 'boolean', default: false, description: 'Show diffs of files written (rendered templates)', commands: ['run'] },
  { key: 'extraVars', flag: 'extra-vars', alias: 'e', type: 'array', description: 'Extra vars: k=v, JSON, or @file (YAML/JSON); highest precedence', commands: ['run', 'check', 'exec'] },
  { key: 'forks', flag: 'forks', alias: 'f', env: 'MARSHAL_FORKS', type: 'number', default: 100, description: 'Hosts worked on in parallel per step', commands: ['run', 'exec'] },
  { key: 'startAtTask', flag: 'start-at-task', type: 'string', description: 'Start at the step with this name (exact or glob)', commands: ['run'] },
  { key: 'step', flag: 'step', type: 'boolean', default: false, description: 'Confirm each step before it runs (y/n/c)', commands: ['run'] },
  { key: 'listTasks', flag: 'list-tasks', type: 'boolean', default: false, description: 'List the steps that would run, then exit', commands: ['run', 'check'] },
  { key: 'listHosts', flag: 'list-hosts', type: 'boolean', default: false, description: 'List the hosts that would be targeted, then exit', commands: ['run', 'check'] },
  { key: 'verbose', flag: 'verbose', alias: 'v', type: 'count', description: 'More output: -v durations and reasons, -vv commands, -vvv connection details (exec: -v durations, -vv the command as sent)', commands: ['run', 'exec'] },
  { key: 'logFile', flag: 'log-file', env: 'MARSHAL_LOG_FILE', type: 'string', description: 'Write one JSON line per step result (pino) to this file', commands: ['run'] },
  { key: 'report', flag: 'report', type: 'string', description: 'Write the whole run as JSON to this file (atomically)', commands: ['run', 'exec'] },
  { key: 'reportHtml', flag: 'report-html', type: 'string', description: 'Write the run as one self-contained HTML page (timeline, failures, changes, filters by host, group and status) to this file', commands: ['run', 'exec'] },
  { key: 'askBecomePass', flag: 'ask-become-pass', alias: 'K', type: 'boolean', default: false, description: 'Ask once for the sudo password', commands: ['run', 'exec'] },
  { key: 'becomePasswordFile', flag: 'become-password-file', env: 'MARSHAL_BECOME_PASSWORD_FILE', type: 'string', description: 'Read the sudo password from this file', commands: ['run', 'exec'] },
  { key: 'vaultPasswordFile', flag: 'vault-password-file', env: 'ANSIBLE_VAULT_PASSWORD_FILE', type: 'array', description: 'ansible-vault password file (repeatable); an executable file is run and its output used', commands: ['run', 'check', 'inventory', 'exec'] },
  { key: 'vaultId', flag: 'vault-id', env: 'ANSIBLE_VAULT_IDENTITY_LIST', type: 'array', description: 'ansible-vault password with its vault id: label@file or label@prompt (repeatable, or comma-separated)', commands: ['run', 'check', 'inventory', 'exec'] },
  { key: 'askVaultPass', flag: 'ask-vault-pass', alias: 'J', type: 'boolean', default: false, description: 'Ask once for the ansible-vault password (vault id default)', commands: ['run', 'check', 'inventory', 'exec'] },
  { key: 'hostKeyChecking', flag: 'host-key-checking', env: 'MARSHAL_HOST_KEY_CHECKING', type: 'string', choices: ['strict', 'accept-new', 'off'], default: 'accept-new', description: 'known_hosts policy: strict refuses unknown keys, accept-new records them; a changed key is refused unless off', commands: ['run', 'exec'] },
  { key: 'connectTimeout', flag: 'connect-timeout', env: 'MARSHAL_CONNECT_TIMEOUT', type: 'number', default: 10, description: 'Seconds to wait for a host to answer', commands: ['run', 'exec'] },
  { key: 'maxOutput', flag: 'max-output', env: 'MARSHAL_MAX_OUTPUT', type: 'string', default: '1MiB', description: 'Output kept per stream (stdout, stderr) per command: its head and tail, the middle replaced by a note (e.g. 512KiB, 4MiB)', commands: ['run', 'exec'] },
  { key: 'session', flag: 'session', env: 'MARSHAL_SESSION', type: 'string', choices: ['exec', 'persistent'], description: 'How commands reach a host: persistent keeps a few shell loops per host and runs each command in one (no channel per command; sudo with a password still gets its own; hosts without a POSIX sh fall back to exec), exec opens one channel per command. Default: persistent for run, exec for marshal exec (one command per host: a session would only add its start). Inventory var marshal_session', commands: ['run', 'exec'] },
  { key: 'privateKey', flag: 'private-key', type: 'string', description: 'Private key file for hosts that set none', commands: ['run', 'exec'] },
  { key: 'user', flag: 'user', alias: 'u', type: 'string', description: 'Remote user for hosts that set none', commands: ['run', 'exec'] },
  { key: 'maxInputSize', flag: 'max-input-size', env: 'MARSHAL_MAX_INPUT_SIZE', type: 'string', default: '8MiB', description: 'Largest input file (inventory, vars file, -e @file, --limit @file, template), also after YAML aliases are expanded and after rendering; e.g. 512KiB, 64MiB', commands: ['run', 'check', 'inventory', 'exec'] },
  { key: 'maxYamlAliases', flag: 'max-yaml-aliases', env: 'MARSHAL_MAX_YAML_ALIASES', type: 'number', default: 100000, description: 'Most YAML aliases (*name, <<: *name) one file may use', commands: ['run', 'check', 'inventory', 'exec'] },
  { key: 'become', flag: 'become', alias: 'b', type: 'boolean', default: false, description: 'Run the command through sudo (as --become-user)', commands: ['exec'] },
  { key: 'becomeUser', flag: 'become-user', type: 'string', default: 'root', description: 'The user --become runs the command as', commands: ['exec'] },
  { key: 'color', flag: 'color', env: 'MARSHAL_COLOR', type: 'boolean', description: 'Colour output (default: on a TTY unless NO_COLOR)', commands: ['run'] },
];

/** The markdown table in docs/settings.md (a test keeps the file in step with this table). */
export function settingsMarkdown(): string {
  const rows = SETTINGS.map((s) => {
    const flag = `\`--${s.flag}\`${s.alias ? ` / \`-${s.alias}\`` : ''}`;
    const def = s.default === undefined ? '' : `\`${String(s.default)}\``;
    const choices = s.choices ? ` (${s.choices.map((c) => `\`${c}\``).join(', ')})` : '';
    return `| ${flag} | ${s.env ? `\`${s.env}\`` : ''} | ${def} | ${s.description}${choices} | ${s.commands.join(', ')} |`;
  });
  return [
    '# Settings',
    '',
    'Generated from `src/config/settings.ts` by `marshal settings --markdown`; do not edit by hand.',
    'A flag beats its environment variable, which beats the default.',
    '',
    '| flag | environment | default | meaning | commands |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
