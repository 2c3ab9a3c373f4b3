/** The standard facts: `h.facts.get(facts.osRelease)`, cached per host for the run. */
export { osRelease, arch, kernel, bootId, cmdline, cpus, memory, mounts, parseOsRelease, parseCmdline, parseMeminfo, parseMounts } from './system';
export type { OsRelease, KernelCmdline, Cpus, Memory, Mount } from './system';
export { packages, services, parsePackages, parseServices } from './packages';
export type { Packages, PackageVersion, ServiceState } from './packages';
export { interfaces, parseIpAddr } from './network';
export type { NetInterface, InterfaceAddress } from './network';
export { fileInfo, fileText, parseFileInfo, parseFileText } from './files';
export type { FileInfo, FileText, FileType } from './files';
export { userInfo, groupInfo, parseUserInfo, parseGroupInfo } from './accounts';
export type { UserInfo, GroupInfo } from './accounts';
export { sysctl, parseSysctl } from './kernel-params';
export { unitStatus, parseUnitStatus } from './unit';
export type { UnitStatus } from './unit';
export { packageQuery, parsePackageQuery } from './package-query';
export type { PackageQuery, PackageManager } from './package-query';
