/** Ansible-compatible inventories: load INI/YAML/directories/plugins, select hosts, print like ansible-inventory. */
export type { Inventory, InventoryGroup, InventoryHost, Vars } from './types';
export { loadInventory, isIgnoredInventoryEntry, IGNORED_EXTENSIONS, type LoadOptions } from './load';
export { selectHosts, applyLimit, splitHostPattern } from './patterns';
export { toAnsibleList, toGraph, hostVars, groupVars, formatAnsibleJson, type AnsibleList } from './output';
export {
  registerInventoryPlugin,
  getInventoryPlugin,
  inventoryPluginNames,
  type InventoryPluginContext,
  type InventoryPluginLoader,
} from './plugins';
export { InventoryBuilder } from './builder';
export { expandHostRange, expandHostPattern } from './ranges';
export { parseIniValue, literalEval } from './pyliteral';
