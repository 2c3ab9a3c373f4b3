/**
 * `marshal/runner`: running playbooks from code (embedding): load, plan and run them over an
 * inventory, with reporters and masking. Authoring names are in `marshal` (index.ts).
 */
export { runPlaybook } from './scheduler/run';
export type { EngineOptions } from './scheduler/run';
export { loadPlaybook } from './load/index';
export type { StepResult, RunSummary, HostStats, Failure, Status, CommandRecord, Base as StepResultBase, LoopItem } from './results/results';
export type { GroupSummary, GroupOutcome, GroupStatus } from './results/group-summary';
export type { StepFilter } from './plan/select';
export type { Shard } from './plan/shard';
export type { Reporter, PlayStartEvent, StepStartEvent } from './report/types';
export { Masker } from './util/mask';
export type { MaskerOptions } from './util/mask';
export { MASK } from './dsl/command';
export type { Connection, ConnectionSpec, ExecOptions, ExecResult, HostKeyPolicy } from './connection/types';
export type { Inventory, InventoryHost, InventoryGroup, Vars as InventoryVars } from './inventory/types';
export type { LoadOptions as LoadInventoryOptions } from './inventory/load';
export type { InventoryPluginContext, InventoryPluginLoader } from './inventory/plugins';
export type { InventoryBuilder, GroupNode, HostNode } from './inventory/builder';
export { loadInventory, selectHosts, registerInventoryPlugin } from './inventory/index';
export { runPlaybookFiles, plan } from './runner';
export type { RunFilesOptions, Plan } from './runner';
export type { PlannedHost } from './plan/plan';

// extending Marshal (docs/plugins.md)
export { loadPlugins } from './plugins';
export type { MarshalPlugin, MarshalPluginApi, PluginCommand, PluginOption, PluginDeclaration } from './plugins';
export { execCommand, ExecReporter, type ExecCommandOptions } from './exec';

// playbooks' `import ... from 'marshal' | 'marshal/runner'` get this very instance (src/load/evaluate.ts)
import * as authoring from './index';
import { provideOwnModules } from './load/evaluate';
// this module's own exports object (a self-import would be a cycle); under vitest, a view of its ES exports
provideOwnModules({ marshal: authoring, 'marshal/runner': module.exports as object });
export type { Vault, VaultSecret, VaultWhere } from './inventory/vault';
