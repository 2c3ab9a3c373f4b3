/**
 * Marshal's public API: what a playbook imports. Explicit exports (ky's rule): nothing here
 * by accident, and everything here is kept stable.
 */
export { VERSION } from './version';

// authoring
export { playbook, isPlaybook } from './dsl/playbook';
export { step, across, unchanged } from './dsl/step';
export { expectEqual, expectThat, fail } from './dsl/expect';
export { sh, argv, raw, quote, secret, isSecret, MASK } from './dsl/command';
export { defineFact, FactParseError } from './dsl/fact';
export type { Command, Secret } from './dsl/command';
export type { Fact } from './dsl/fact';
export type {
  Vars,
  Risk,
  RunOptions,
  Logger,
  HostContext,
  HostGroupView,
  HostStepOptions,
  AcrossStepOptions,
  HostStep,
  AcrossStep,
  Step,
  StepList,
  PlaybookOptions,
  Playbook,
  Unchanged,
} from './dsl/types';

// errors
export { MarshalError, UsageError, InventoryError, PlaybookError, StepFailure, ConnectionError } from './errors';
export type { FailureKind } from './errors';

// running playbooks from code
export { runPlaybook } from './engine/run';
export type { EngineOptions } from './engine/run';
export { loadPlaybook } from './engine/load';
export type { StepResult, RunSummary, HostStats, Failure, Status } from './engine/results';
export type { Reporter } from './report/types';
export type { Connection, ConnectionSpec, ExecOptions, ExecResult } from './connection/types';
export type { Inventory, InventoryHost, InventoryGroup } from './inventory/types';
export { loadInventory, selectHosts, registerInventoryPlugin } from './inventory/index';
export { runPlaybookFiles, plan } from './runner';
export type { RunFilesOptions, Plan } from './runner';

// extending Marshal (docs/plugins.md)
export { loadPlugins } from './plugins';
export type { MarshalPlugin, MarshalPluginApi, PluginCommand, PluginOption, PluginDeclaration } from './plugins';
export type { InventoryPluginContext, InventoryPluginLoader } from './inventory/plugins';
export type { InventoryBuilder } from './inventory/builder';
