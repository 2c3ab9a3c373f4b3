/** The standard operations: each returns a step (check → run → verify) to put in a playbook's `steps`. */
export { file, line, block, directory, symlink, absent } from './files';
export type { FileOptions, LineOptions, BlockOptions, DirectoryOptions, SymlinkOptions, AbsentOptions } from './files';
export { command } from './command';
export type { CommandOptions } from './command';
export type { OpOptions, Attrs } from './common';
export { reboot, optedIn } from './reboot';
export type { RebootOptions } from './reboot';
export { kernelArgs, bootArgs, missingFromCmdline } from './kernel-args';
export type { KernelArgsOptions, BootArgs } from './kernel-args';
export { packages, packages as package } from './packages';
export type { PackagesOptions } from './packages';
export { service } from './service';
export type { ServiceOptions, ServiceState } from './service';
export { sysctl } from './sysctl';
export type { SysctlOptions } from './sysctl';
export { user, group } from './users';
export type { UserOptions, GroupOptions } from './users';
