/** CX-7 SR-IOV live-migration facts: one module per tool family. */
export * from './pci-address';
export * from './mstflint';
export * from './mstconfig';
export * from './devlink';
export * from './sysfs';
export * from './pci';
export * from './virsh';
export * from './ovs';
export * from './system';
export { parseXml, child, children } from './xml';
export type { XmlElement } from './xml';
