#!/usr/bin/env bash
# deploy/iptables-remove.sh — remove the NFQUEUE rules that iptables-install.sh
# added: every rule in the chain tagged with the comment (default "tandem"),
# for IPv4 and IPv6. Rules without the comment are never touched; succeeds
# when there is nothing to remove.
set -euo pipefail

usage() {
    cat <<'USAGE'
Usage: iptables-remove.sh [--chain CHAIN] [--comment TAG] [--family 4|6|both] [--dry-run]

  --chain CHAIN   chain of the filter table (default FORWARD)
  --comment TAG   comment that tags the rules (default tandem)
  --family F      4, 6 or both (default both)
  --dry-run       print the commands instead of running them
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

remove_family() {
    local tool=$1 line
    command -v "$tool" >/dev/null || { echo "iptables-remove.sh: $tool not found, skipped" >&2; return 0; }
    local -a tagged=() args
    mapfile -t tagged < <("$tool" -w 5 -S "$CHAIN" 2>/dev/null | grep -F -- "--comment $TAG " || true)
    for line in "${tagged[@]}"; do
        read -ra args <<<"${line/#-A /-D }"
        if ((DRY)); then echo "$tool -w 5 ${args[*]}"; else "$tool" -w 5 "${args[@]}"; fi
    done
    ((DRY)) || echo "$tool: removed ${#tagged[@]} rule(s) tagged '$TAG' from $CHAIN"
}

case $FAMILY in
    4) remove_family iptables ;;
    6) remove_family ip6tables ;;
    both) remove_family iptables; remove_family ip6tables ;;
esac
