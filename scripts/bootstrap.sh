#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks for Marshal's lab and tests, then the npm
# dependencies. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages: sshd for the lab and the e2e tests, FUSE for the lab's simulated /sys,
# sudo for become tests, iproute2/procps for process checks, ansible-core for the vault interop
# tests (and the bench), ansible-mitogen (the bench's Ansible+Mitogen contender), chromium for the HTML report's browser tests (driven by playwright-core,
# which downloads no browser of its own).
declare -A need_for=(
  [/usr/sbin/sshd]=openssh-server
  [/usr/bin/fusermount3]=fuse3
  [/usr/lib/python3/dist-packages/fuse.py]=python3-fuse
  [/usr/bin/sudo]=sudo
  [/usr/bin/pgrep]=procps
  [/usr/bin/unshare]=util-linux
  [/usr/bin/openssl]=openssl
  [/usr/bin/ansible-vault]=ansible-core
  [/usr/lib/python3/dist-packages/ansible_mitogen]=ansible-mitogen
  [/usr/bin/chromium]=chromium
)
missing=()
for path in "${!need_for[@]}"; do
  [ -e "$path" ] || missing+=("${need_for[$path]}")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm dependencies (and the workspace packages packages/*), exactly as locked; `prepare` builds
# the core (dist/), then packages/sshd-harness and packages/lab (the lab plugin the demo uses).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "bootstrap: npm ci"
  npm ci --no-audit --no-fund
else
  npm run --silent build
fi
