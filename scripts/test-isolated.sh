#!/usr/bin/env bash
# Runs the README's test command as a user's clone would see the machine: in a private mount
# namespace where every folder beside the clone (a workspace's ../shared, other checkouts) is
# hidden under an empty tmpfs, so a test that reads outside the clone fails here. Needs root
# (unshare -m). Usage: bash scripts/test-isolated.sh   (from the clone; exit code of npm test)
set -euo pipefail
clone="$(cd "$(dirname "$0")/.." && pwd)"
parent="$(dirname "$clone")"
exec unshare -m --propagation private bash -c '
  set -euo pipefail
  clone="$1"; parent="$2"
  hidden=()
  for entry in "$parent"/* "$parent"/.[!.]*; do
    [ -d "$entry" ] && [ ! -L "$entry" ] && [ "$entry" != "$clone" ] || continue
    mount -t tmpfs -o size=1m,mode=0755 marshal-hidden "$entry"
    hidden+=("$entry")
  done
  echo "test-isolated: hid ${#hidden[@]} folders beside $clone: ${hidden[*]:-none}"
  cd "$clone" && npm test
' isolated "$clone" "$parent"
