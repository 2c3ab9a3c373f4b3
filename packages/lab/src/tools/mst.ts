/** mstflint, mstconfig (alias mlxconfig) and mstfwreset, printing what the mstflint package prints. */
import type { PfState, ToolResult } from '../model/types';
import { done, fail } from '../model/types';
import { findPf } from '../model/host';
import { firmwareReset, formatConfigValue, listedParams, parseConfigValue, setConfig, migrationCapable, type ConfigParam } from '../model/nic';
import { takeFlag, takeOption, type NicTool } from './context';

const label = (l: string) => l.padEnd(23);

export function mstflintQuery(pf: PfState): string {
  const fw = pf.firmware;
  const lines = [
    `${label('Image type:')}FS4`,
    `${label('FW Version:')}${fw.flashed}`,
    ...(fw.running !== fw.flashed ? [`${label('FW Version(Running):')}${fw.running}`] : []),
    `${label('FW Release Date:')}${fw.releaseDate}`,
    `${label('Product Version:')}${fw.flashed}`,
    `${label('Rom Info:')}type=UEFI version=14.36.16 cpu=AMD64,AARCH64`,
    `${label('')}type=PXE version=3.7.500 cpu=AMD64`,
    `${label('Description:')}UID                GuidsNumber`,
    `${label('Base GUID:')}${pf.baseGuid}        16`,
    `${label('Base MAC:')}${pf.baseMac}            16`,
    `${label('Image VSD:')}N/A`,
    `${label('Device VSD:')}N/A`,
    `${label('PSID:')}${fw.psid}`,
    `${label('Security Attributes:')}secure-fw`,
  ];
  return lines.join('\n') + '\n';
}

function cannotOpen(dev: string | undefined): ToolResult {
  if (!dev) return fail('-E- Missing device argument. Use -d <device>\n');
  return fail(`-E- Cannot open Device: ${dev}. No such file or directory. MFE_CR_ERROR\n`);
}

export const mstflint: NicTool = (ctx, host) => {
  const argv = [...ctx.argv];
  if (takeFlag(argv, ['-v', '--version', '-vv'])) return done('mstflint, mstflint 4.28.0, Git SHA Hash: N/A\n');
  const dev = takeOption(argv, ['-d', '--device']);
  const pf = dev ? findPf(host, dev) : undefined;
  const cmd = argv[0];
  if (cmd === undefined) return fail('-E- No command given. See mstflint -h for help.\n');
  if (!pf) return cannotOpen(dev);
  if (cmd === 'q' || cmd === 'query') return done(mstflintQuery(pf));
  return fail(`-E- Invalid command "${cmd}"\n`);
};

function header(pf: PfState): string[] {
  return [
    '',
    'Device #1:',
    '----------',
    '',
    `Device type:    ${'ConnectX7'.padEnd(16)}`,
    `Name:           ${pf.deviceName}`,
    `Description:    ${pf.description}`,
    `Device:         ${pf.pci.padEnd(16)}`,
    '',
  ];
}

const col = (v: string) => v.padEnd(15) + ' ';

export function mstconfigQuery(pf: PfState, extended: boolean, only: string[] = []): string {
  const params = listedParams(pf).filter((p) => only.length === 0 || only.includes(p));
  const lines = header(pf);
  if (!extended) {
    lines.push(`${'Configurations:'.padEnd(53)}Next Boot`);
    for (const p of params) lines.push(`        ${p.padEnd(44)}${formatConfigValue(p, pf.config.next[p]!).padEnd(16)}`);
  } else {
    lines.push(`${'Configurations:'.padEnd(45)}${'Default'.padEnd(16)}${'Current'.padEnd(16)}Next Boot`);
    const defaults: Record<string, number> = { NUM_OF_VFS: 8, SRIOV_EN: 1, VF_MIGRATION_MODE: 0, LINK_TYPE_P1: 2 };
    let starred = false;
    for (const p of params) {
      const [d, c, n] = [defaults[p]!, pf.config.current[p]!, pf.config.next[p]!];
      const star = n !== d || n !== c;
      starred ||= star;
      lines.push(`${star ? '*' : ' '}        ${p.padEnd(36)}${col(formatConfigValue(p, d))}${col(formatConfigValue(p, c))}${formatConfigValue(p, n).padEnd(16)}`);
    }
    if (starred) lines.push("The '*' shows parameters with next value different from default/current value.");
  }
  return lines.join('\n') + '\n';
}

export const mstconfig: NicTool = (ctx, host) => {
  const argv = [...ctx.argv];
  const dev = takeOption(argv, ['-d', '--dev']);
  const yes = takeFlag(argv, ['-y', '--yes']);
  const extended = takeFlag(argv, ['-e', '--enable_verbosity']);
  const [cmd, ...rest] = argv;
  if (cmd === undefined) return fail('-E- No command found. For more information please read the help message:\n');
  const pf = dev ? findPf(host, dev) : undefined;
  if (!pf) return fail(dev ? `-E- Failed to open device: ${dev}. No such file or directory\n` : '-E- Device not specified\n');
  if (cmd === 'q' || cmd === 'query') {
    for (const r of rest) if (!listedParams(pf).includes(r as ConfigParam)) return fail(`-E- The Device doesn't support ${r} parameter\n`, 3, header(pf).join('\n') + '\n');
    return done(mstconfigQuery(pf, extended, rest));
  }
  if (cmd !== 's' && cmd !== 'set') return fail(`-E- Invalid Command: ${cmd}\n`);
  if (rest.length === 0) return fail('-E- missing configuration arguments. For more information please read the help message:\n');
  const changes: { p: ConfigParam; v: number }[] = [];
  for (const a of rest) {
    const m = /^([A-Z0-9_]+)=(.+)$/i.exec(a);
    if (!m) return fail(`-E- Failed to parse parameter: ${a}\n`);
    const p = m[1]!.toUpperCase() as ConfigParam;
    if (!listedParams(pf).includes(p)) {
      return fail(p === 'VF_MIGRATION_MODE' && !migrationCapable(pf) ? `-E- The Device doesn't support ${p} parameter\n` : `-E- Unknown Parameter: ${m[1]}\n`);
    }
    const v = parseConfigValue(p, m[2]!);
    if (v === undefined) return fail(`-E- Unknown value "${m[2]}" for parameter ${p}\n`);
    changes.push({ p, v });
  }
  const table = [...header(pf), `${'Configurations:'.padEnd(53)}${'Next Boot'.padEnd(16)}New`];
  for (const { p, v } of changes) table.push(`         ${p.padEnd(43)}${formatConfigValue(p, pf.config.next[p]!).padEnd(16)}${formatConfigValue(p, v)}`);
  const intro = table.join('\n') + '\n\n';
  const prompt = ' Apply new Configuration? (y/n) [n] : ';
  if (!yes && ctx.answer === undefined) return { kind: 'ask', prompt: intro + prompt };
  const answer = yes ? 'y' : ctx.answer!.trim().toLowerCase();
  const shown = yes ? `${intro}${prompt}y\n` : '';
  if (answer !== 'y' && answer !== 'yes') return fail('-E- Aborted by user.\n', 1, shown);
  for (const { p, v } of changes) setConfig(pf, p, v);
  ctx.changed();
  return done(`${shown}Applying... Done!\n-I- Please reboot machine to load new configurations.\n`);
};

export const mstfwreset: NicTool = (ctx, host) => {
  const argv = [...ctx.argv];
  const dev = takeOption(argv, ['-d', '--device']);
  const yes = takeFlag(argv, ['-y', '--yes']);
  takeOption(argv, ['-l', '--level']);
  const cmd = argv[0];
  const pf = dev ? findPf(host, dev) : undefined;
  if (!pf) return fail(dev ? `-E- Failed to open device: ${dev}\n` : '-E- Please specify device with -d\n');
  const intro = `\nMinimal reset level for device, ${pf.pci}:\n\n3: Driver restart and PCI reset\n`;
  if (cmd === 'q' || cmd === 'query') {
    return done(`${intro}\nSupported reset levels for device, ${pf.pci}:\n\n0: Driver, PCI link, network link will remain up ("live-Patch")  -Supported\n3: Driver restart and PCI reset                                   -Supported  (default)\n`);
  }
  if (cmd !== 'r' && cmd !== 'reset') return fail(`-E- Unknown command ${cmd ?? ''}\n`);
  const prompt = 'Continue with reset?[y/N] ';
  if (!yes && ctx.answer === undefined) return { kind: 'ask', prompt: intro + prompt };
  const answer = yes ? 'y' : ctx.answer!.trim().toLowerCase();
  if (answer !== 'y' && answer !== 'yes') return fail('-E- Aborted by user.\n', 1, yes ? '' : '');
  firmwareReset(pf, ctx.world.now());
  // the reset restarts the driver: the PF's link drops and comes back, the host stays up
  ctx.world.event?.(host.name, 'fw-reset', pf.pci);
  ctx.changed();
  return done(
    `${yes ? `${intro}${prompt}y\n` : ''}-I- Sending Reset Command To Fw             -Done\n-I- Stopping Driver                         -Done\n-I- Resetting PCI                           -Done\n-I- Starting Driver                         -Done\n-I- Restarting MST                          -Done\n-I- FW was loaded successfully.\n`,
  );
};
