/** The standard operations: each returns a step (check → run → verify) to put in a playbook's `steps`. */
export { file, line, block, directory, symlink, absent } from './files';
export type { FileOptions, LineOptions, BlockOptions, DirectoryOptions, SymlinkOptions, AbsentOptions } from './files';
export { command } from './command';
export type { CommandOptions } from './command';
export type { OpOptions, Attrs } from './common';
