#!/usr/bin/env bash
# deploy/iptables-remove.sh — remove the NFQUEUE rules that iptables-install.sh
# added: every rule in the chain tagged with the comment (default "tandem"),
# for IPv4 and IPv6. Rules without the comment are never touched; succeeds
# when there is nothing to remove. Atomic like the install: one
# `iptables-restore --noflush` per family, IPv4 and IPv6 together or not at
# all. Once they are gone, Tandem no longer sees forwarded traffic: what the
# rest of FORWARD (and its policy) allows passes unfiltered.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
# shellcheck source=iptables-lib.sh
source "$here/iptables-lib.sh"

usage() {
    cat <<'USAGE'
Usage: iptables-remove.sh [--chain CHAIN] [--comment TAG] [--family 4|6|both] [--dry-run]

  --chain CHAIN   chain of the filter table (default FORWARD)
  --comment TAG   comment that tags the rules (default tandem)
  --family F      4, 6 or both (default both)
  --dry-run       print the iptables-restore input instead of applying it
USAGE
}

CHAIN=FORWARD TAG=tandem FAMILY=both DRY=0
while (($#)); do
    case $1 in
        --chain) [[ -n ${2:-} ]] || { echo "--chain needs a name" >&2; exit 2; }; CHAIN=$2; shift 2 ;;
        --comment) [[ ${2:-} =~ ^[A-Za-z0-9_.:-]+$ ]] || { echo "--comment needs [A-Za-z0-9_.:-]+" >&2; exit 2; }; TAG=$2; shift 2 ;;
        --family) [[ ${2:-} =~ ^(4|6|both)$ ]] || { echo "--family needs 4, 6 or both" >&2; exit 2; }; FAMILY=$2; shift 2 ;;
        --dry-run) DRY=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
if ((!DRY)) && [[ $(id -u) -ne 0 ]]; then echo "iptables-remove.sh: needs root" >&2; exit 1; fi

# remove_family F: queue the removal for family F (XT_APPLY/XT_UNDO).
remove_family() {
    local f=$1 tool line apply="" undo=""
    tool=$(xt_tool "$f")
    command -v "$tool" >/dev/null || { echo "iptables-remove.sh: $tool not found, skipped" >&2; return 0; }
    local -a tagged=()
    mapfile -t tagged < <(xt_tagged "$f" "$CHAIN" "$TAG" 2>/dev/null) || true
    for line in "${tagged[@]}"; do
        apply+="-D $CHAIN ${line#* }"$'\n'
        undo+="-I $CHAIN ${line%% *} ${line#* }"$'\n'
    done
    COUNT[$f]=${#tagged[@]}
    if ((${#tagged[@]})); then
        XT_APPLY[$f]="*filter"$'\n'"$apply"COMMIT$'\n'
        XT_UNDO[$f]="*filter"$'\n'"$undo"COMMIT$'\n'
    fi
}

declare -A COUNT=()
case $FAMILY in
    4) families=(4) ;;
    6) families=(6) ;;
    both) families=(4 6) ;;
esac
for f in "${families[@]}"; do remove_family "$f"; done
XT_DRY=$DRY
if ! xt_commit "${families[@]}"; then
    echo "iptables-remove.sh: nothing was removed" >&2
    exit 1
fi
if ((!DRY)); then
    for f in "${families[@]}"; do
        [[ -n ${COUNT[$f]:-} ]] && echo "$(xt_tool "$f"): removed ${COUNT[$f]} rule(s) tagged '$TAG' from $CHAIN"
    done
fi
exit 0
