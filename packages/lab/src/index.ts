/** The simulated ConnectX-7 lab: public entry points. `register` makes it a Marshal plugin (plugin.ts). */
export { register, labInventoryPlugin } from './plugin';
export { labUp, labStatus, labDown, formatStatus, assertLabUsable } from './lab';
export type { LabUpOptions, LabUpResult, LabStatus, LabHostInfo } from './lab';
export { loadScenario, parseScenario, resolveScenario, scenariosDir } from './scenario';
export type { Scenario, HostSpec } from './scenario';
export { labPaths, defaultLabDir, DEFAULT_NET, DEFAULT_PORT } from './layout';
export type { LabPaths } from './layout';
export type { WorldState, HostState, NicHostState, GuestHostState } from './model/types';
