/**
 * `marshal`: what a playbook imports to write steps. Explicit exports (ky's rule): nothing
 * here by accident, and everything here is kept stable. Running playbooks from code
 * (embedding) is `marshal/runner` (runner-api.ts).
 */
export { VERSION } from './version';

// authoring
export { playbook, isPlaybook } from './dsl/playbook';
export { step, across, unchanged, register } from './dsl/step';
export { loop } from './dsl/loop';
export type { LoopOptions } from './dsl/loop';
export { byVar } from './dsl/group';
export { block } from './dsl/block';
export type { BlockOptions } from './dsl/block';
export { flushHandlers } from './dsl/handlers';
export type {
  StandardSchemaV1,
  StandardSchemaProps,
  StandardSchemaResult,
  StandardSchemaSuccess,
  StandardSchemaFailure,
  StandardSchemaIssue,
  StandardSchemaPathSegment,
  StandardSchemaTypes,
  InferVars,
} from './dsl/schema';
export { expectEqual, expectThat, fail, describeEvidence } from './dsl/expect';
export { sh, argv, raw, quote, secret, isSecret } from './dsl/command';
export { defineFact } from './dsl/fact';
export type { Command, Secret, Interpolable } from './dsl/command';
export type { Fact } from './dsl/fact';
export type {
  Vars,
  Risk,
  GroupKey,
  Block,
  BlockPosition,
  RunOptions,
  Logger,
  HostContext,
  HostGroupView,
  StepCommon,
  HostStepOptions,
  AcrossStepOptions,
  HostStep,
  AcrossStep,
  Step,
  StepList,
  PlaybookOptions,
  Playbook,
  Unchanged,
  FactCache,
  RegisterKey,
  Registers,
  LoopItemResult,
  LoopSpec,
  SummaryBy,
} from './dsl/types';
export type { GroupOutcome, GroupSummary, GroupStatus } from './results/group-summary';
export type { ExecResult } from './connection/types';
export type { Evidence } from './errors';

// the standard library: operations (ops.file(...)) and facts (h.facts.get(facts.osRelease))
export * as ops from './ops/index';
export * as facts from './facts/index';
export type { OsRelease, KernelCmdline, Cpus, Memory, Mount, Packages, PackageVersion, ServiceState, NetInterface, InterfaceAddress, FileInfo, FileText, FileType, UserInfo, GroupInfo, UnitStatus, PackageQuery, PackageManager } from './facts/index';
export type { FileOptions, LineOptions, BlockOptions as BlockInFileOptions, DirectoryOptions, SymlinkOptions, AbsentOptions, CommandOptions, OpOptions, Attrs, PackagesOptions, ServiceOptions, SysctlOptions, UserOptions, GroupOptions, RebootOptions, KernelArgsOptions, BootArgs } from './ops/index';

// errors: classes to throw, type guards to recognise them (by their `code`, also across installs)
export { MarshalError, UsageError, InventoryError, PlaybookError, StepFailure, ConnectionError, FactParseError } from './errors';
export { isMarshalError, isUsageError, isInventoryError, isPlaybookError, isStepFailure, isConnectionError, isFactParseError } from './errors';
export type { FailureKind, MarshalErrorCode, ConnectionFailureKind } from './errors';
