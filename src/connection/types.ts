/**
 * The Connection interface: what the engine needs from a host. Implementations: ssh
 * (node-ssh/ssh2) and local (execa). One connection per host, reused by every step.
 */

export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';

/** Everything needed to reach one host, resolved from inventory vars and ~/.ssh/config. */
export interface ConnectionSpec {
  /** Inventory name of the host (for messages). */
  name: string;
  /** 'ssh' or 'local' (ansible_connection). */
  transport: 'ssh' | 'local';
  /** Address to connect to (ansible_host, else ssh_config HostName, else name). */
  host: string;
  port?: number;
  user?: string;
  password?: string;
  privateKeyFile?: string;
  /** Use $SSH_AUTH_SOCK when set (default true). */
  agent?: boolean;
  /** known_hosts files to read; the first one is written under accept-new. */
  knownHostsFiles?: string[];
  hostKeyPolicy?: HostKeyPolicy;
  /** ssh_config files to read (default ~/.ssh/config when it exists); [] disables. */
  sshConfigFiles?: string[];
  /** ProxyJump as in ssh_config: "user@host:port[,next]". */
  proxyJump?: string;
  connectTimeoutMs?: number;
  /** Upper bound on concurrent channels (OpenSSH MaxSessions default is 10). */
  maxSessions?: number;
  /** Seconds between keepalives; a dead peer is noticed after a few missed ones. */
  keepaliveIntervalMs?: number;
  /** Missed keepalives before the connection counts as lost (default 3). */
  keepaliveCountMax?: number;
  /**
   * Default privilege escalation (ansible_become*). `enabled: false` keeps the user and
   * password for steps that ask for become themselves.
   */
  become?: { enabled: boolean; user: string; password?: string; method?: 'sudo' };
  /**
   * 'persistent': commands run in a few long-lived sh loops per host (one channel each);
   * 'exec': one channel per command. Default: $MARSHAL_SESSION, else persistent.
   */
  session?: 'persistent' | 'exec';
  /** Bytes of stdout and of stderr kept per command (head and tail; default 1 MiB each). */
  maxOutputBytes?: number;
  /** Connection trace (-vvv): one line at a time, never a secret. */
  debug?: (message: string) => void;
}

export interface ExecOptions {
  /** Written to the command's stdin, then stdin is closed. */
  stdin?: string | Buffer;
  /** Stop the command (remote process group included) after this long. */
  timeoutMs?: number;
  /** Abort the command (remote process group included) when this signal fires. */
  signal?: AbortSignal;
  /**
   * Run through sudo as this user; `password` answers sudo's prompt (default: the spec's
   * become password). `false` runs without become even when the spec enables it.
   */
  become?: { user: string; password?: string; method?: 'sudo' } | false;
  /** Extra environment for the command (quoted into the command line, not sent via SendEnv). */
  env?: Record<string, string>;
  /** Overrides the spec's maxOutputBytes for this command. */
  maxOutputBytes?: number;
}

export interface ExecResult {
  /** The command text as given (before become/timeout wrapping). */
  command: string;
  stdout: string;
  /**
   * stdout's raw bytes (binary-safe), bounded like stdout; when truncated, head and tail joined
   * without the note. Always set by the ssh and local connections (optional for test fakes).
   */
  stdoutBytes?: Buffer;
  stderr: string;
  /** Set when stdout or stderr went over the capture limit and its middle was dropped. */
  truncated?: boolean;
  /** null when the command was killed by a signal or the channel closed without a status. */
  exitCode: number | null;
  signal?: string;
  durationMs: number;
}

export interface Connection {
  readonly spec: ConnectionSpec;
  /** Connect (or no-op if connected). Throws ConnectionError with kind unreachable/auth/hostkey. */
  connect(): Promise<void>;
  /**
   * Run a shell command line. Resolves with the result whatever the exit code; rejects with
   * StepFailure kind 'timeout' | 'connection-lost' | 'interrupted' | 'become'.
   */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Write a file atomically (temp file + rename) with the given mode. */
  putFile(remotePath: string, content: string | Buffer, opts?: { mode?: number; become?: ExecOptions['become'] }): Promise<void>;
  close(): Promise<void>;
}
