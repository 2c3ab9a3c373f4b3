/**
 * Verbatim tool output from the reference (device-outputs.md, procedure.md), copied by a script
 * and kept as JSON-escaped strings so no editor can strip the padding mstconfig prints.
 */

export const MSTFLINT_QUERY =
  "Image type:            FS4\nFW Version:            28.43.1014\nFW Release Date:       7.11.2024\nProduct Version:       28.43.1014\nRom Info:              type=UEFI version=14.36.16 cpu=AMD64,AARCH64\n                       type=PXE version=3.7.500 cpu=AMD64\nDescription:           UID                GuidsNumber\nBase GUID:             e09d730300126744        16\nBase MAC:              e09d73126744            16\nImage VSD:             N/A\nDevice VSD:            N/A\nPSID:                  MT_0000001244\nSecurity Attributes:   secure-fw\n";

export const MSTCONFIG_QUERY =
  "\nDevice #1:\n----------\n\nDevice type:    ConnectX7       \nName:           MCX75310AAS-NEA_Ax\nDescription:    NVIDIA ConnectX-7 HHHL Adapter Card; 400GbE; Single-port OSFP; PCIe 5.0 x16\nDevice:         0000:e1:00.0    \n\nConfigurations:                                      Next Boot\n        NUM_OF_VFS                                  8               \n        SRIOV_EN                                    True(1)         \n        VF_MIGRATION_MODE                           MIGRATION_ENABLED(2)\n        LINK_TYPE_P1                                ETH(2)          \n";

export const MSTCONFIG_EXTENDED =
  "Configurations:                              Default         Current         Next Boot\n*        VF_MIGRATION_MODE                   DEVICE_DEFAULT(0) DEVICE_DEFAULT(0) MIGRATION_ENABLED(2)\nThe '*' shows parameters with next value different from default/current value.\n";

export const DEVLINK_ESWITCH_SWITCHDEV =
  "pci/0000:e1:00.0: mode switchdev inline-mode none encap-mode basic\n";

export const DEVLINK_ESWITCH_LEGACY_ANNOTATED =
  "pci/0000:e1:00.0: mode legacy inline-mode link encap-mode basic          (before step 1)";

export const DEVLINK_PORT_VF =
  "pci/0000:e1:00.0/1: type eth netdev enp225s0npf0vf0 flavour pcivf pfnum 0 vfnum 0\n    function:\n    hw_addr 00:00:00:00:00:00 roce enable migratable disable\n";

export const DEVLINK_PORT_UPLINK =
  "pci/0000:e1:00.0/65535: type eth netdev enp225s0np0 flavour physical port 0 splittable false\n";

export const LSHW_PROCEDURE =
  "Bus info            Device         Class          Description\n=============================================================================\npci@0000:e1:00.0    enp225s0np0    network        MT2910 Family [ConnectX-7]\npci@0000:e1:00.1    enp225s0v0     network        ConnectX Family mlx5Gen Virtual Function\n";

export const LSHW_OTHER_HOST =
  "Bus info          Device          Class          Description\n============================================================\npci@0000:04:00.0  enp3s0f0np0     network        MT2892 Family [ConnectX-6 Dx]\npci@0000:04:00.2  enp4s0f0v0      network        ConnectX Family mlx5Gen Virtual Function\npci@0000:04:00.0  enp4s0f0r0      network        Ethernet interface\n";

export const OVS_SHOW =
  "32549dde-d67b-430c-b183-980a32143c8f\n    Bridge ovs-sriov\n        Port enp225s0npf0vf0\n            Interface enp225s0npf0vf0\n        Port ovs-sriov\n            Interface ovs-sriov\n                type: internal\n        Port enp225s0np0\n            Interface enp225s0np0\n    ovs_version: \"2.17.9\"\n";

export const OVS_OTHER_CONFIG =
  "{hw-offload=\"true\", max-idle=\"300000\"}\n";

export const XML_INTERFACE =
  "<interface type='hostdev' managed='yes'>\n  <mac address='52:54:00:56:8c:f7'/>\n  <source>\n    <address type='pci' domain='0x0000' bus='0xe1' slot='0x00' function='0x1'/>\n  </source>\n</interface>\n";
// Single-line samples quoted in the reference's prose (also checked verbatim by reference.test.ts).
export const MSTFLINT_RUNNING_LINE = 'FW Version(Running):   28.36.1010';
export const DEVLINK_MIGRATION_ERROR = "Error: mlx5_core: Device doesn't support migration.";
export const DEVLINK_KERNEL_ANSWER = 'kernel answers: Operation not supported';
export const LSPCI_PF = '0000:e1:00.0 Ethernet controller: Mellanox Technologies MT2910 Family [ConnectX-7]';
export const LSPCI_VF = '0000:e1:00.1 Ethernet controller: Mellanox Technologies ConnectX Family mlx5Gen Virtual Function';
export const LSPCI_K_DRIVER = 'Kernel driver in use: mlx5_vfio_pci';
export const LSPCI_K_MODULES = 'Kernel modules: mlx5_core';
export const NODEDEV_DETACHED = 'Device pci_0000_e1_00_1 detached';
export const REFUSAL_KERNEL = 'VFIO migration is not supported in kernel';
export const REFUSAL_VIOMMU = 'Migration is currently not supported with vIOMMU enabled';
export const REFUSAL_POSTCOPY = 'VFIO migration is not supported with postcopy migration';
export const REFUSAL_LEGACY = 'error: Requested operation is not valid: domain has assigned non-USB host devices';
export const MIGRATION_PROGRESS = 'Migration: [100.00 %]';
export const OVS_HW_OFFLOAD_VALUE = '"true"';
export const PSID_GREP_LINE = 'PSID: MT_1090111019';

/** Everything above that must appear character for character in the reference documents. */
export const VERBATIM: Record<string, string> = {
  MSTFLINT_QUERY,
  MSTCONFIG_QUERY,
  MSTCONFIG_EXTENDED,
  DEVLINK_ESWITCH_SWITCHDEV,
  DEVLINK_PORT_VF,
  DEVLINK_PORT_UPLINK,
  LSHW_PROCEDURE,
  LSHW_OTHER_HOST,
  OVS_SHOW,
  OVS_OTHER_CONFIG,
  XML_INTERFACE,
  MSTFLINT_RUNNING_LINE,
  DEVLINK_MIGRATION_ERROR,
  DEVLINK_KERNEL_ANSWER,
  LSPCI_PF,
  LSPCI_VF,
  LSPCI_K_DRIVER,
  LSPCI_K_MODULES,
  NODEDEV_DETACHED,
  REFUSAL_KERNEL,
  REFUSAL_VIOMMU,
  REFUSAL_POSTCOPY,
  REFUSAL_LEGACY,
  MIGRATION_PROGRESS,
  OVS_HW_OFFLOAD_VALUE,
  PSID_GREP_LINE,
  DEVLINK_ESWITCH_LEGACY_ANNOTATED,
};
