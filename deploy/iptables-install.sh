#!/usr/bin/env bash
# deploy/iptables-install.sh — send forwarded traffic to Tandem's NFQUEUE.
#
# Installs, for IPv4 (iptables) and IPv6 (ip6tables), one rule at the top of
# the FORWARD chain:
#     -m comment --comment tandem -j NFQUEUE --queue-num N [--queue-bypass]
# Atomic: each family's change is one `iptables-restore --noflush` transaction,
# and IPv4 and IPv6 change together or not at all (both are checked with
# --test first; if IPv6 fails after IPv4 was applied, IPv4 is rolled back).
# Idempotent: when exactly that rule is already there, nothing changes; when
# rules with the same comment but other options are there, they are replaced
# in the same transaction. Rules without the comment are never touched.
# Without --bypass (the default) the rule fails closed: while no engine is
# bound, the kernel drops what it queues. tandem-rules.service runs this before
# tandem.service (docs/operations.md, "Install order"). Undo: iptables-remove.sh.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
# shellcheck source=iptables-lib.sh
source "$here/iptables-lib.sh"

usage() {
    cat <<'USAGE'
Usage: iptables-install.sh [--queue N | --balance A:B] [--bypass] [--chain CHAIN]
                           [--comment TAG] [--family 4|6|both] [--append] [--dry-run]

  --queue N       queue number, 0..65535 (default 0); must match `set queue` in tandem.conf
  --balance A:B   spread over queues A..B (--queue-balance); each queue needs its own
                  reader: a Tandem engine binds one queue (no multi-queue mode yet)
  --bypass        add --queue-bypass: with no engine bound, packets pass unfiltered
                  (fail-open). Without it, no engine means no traffic (fail-closed).
                  See docs/operations.md before choosing.
  --chain CHAIN   chain of the filter table (default FORWARD)
  --comment TAG   comment that tags the rules (default tandem)
  --family F      4, 6 or both (default both)
  --append        append at the end of the chain instead of inserting at the top
  --dry-run       print the iptables-restore input instead of applying it

Run inside a network namespace with: ip netns exec NS deploy/iptables-install.sh ...
USAGE
}

QUEUE=0 BALANCE="" BYPASS=0 CHAIN=FORWARD TAG=tandem FAMILY=both APPEND=0 DRY=0
while (($#)); do
    case $1 in
        --queue) [[ ${2:-} =~ ^[0-9]+$ && $2 -le 65535 ]] || { echo "--queue needs 0..65535" >&2; exit 2; }; QUEUE=$2; shift 2 ;;
        --balance) [[ ${2:-} =~ ^([0-9]+):([0-9]+)$ && ${BASH_REMATCH[1]} -lt ${BASH_REMATCH[2]} && ${BASH_REMATCH[2]} -le 65535 ]] \
            || { echo "--balance needs A:B with A < B <= 65535" >&2; exit 2; }; BALANCE=$2; shift 2 ;;
        --bypass) BYPASS=1; shift ;;
        --chain) [[ -n ${2:-} ]] || { echo "--chain needs a name" >&2; exit 2; }; CHAIN=$2; shift 2 ;;
        --comment) [[ ${2:-} =~ ^[A-Za-z0-9_.:-]+$ ]] || { echo "--comment needs [A-Za-z0-9_.:-]+" >&2; exit 2; }; TAG=$2; shift 2 ;;
        --family) [[ ${2:-} =~ ^(4|6|both)$ ]] || { echo "--family needs 4, 6 or both" >&2; exit 2; }; FAMILY=$2; shift 2 ;;
        --append) APPEND=1; shift ;;
        --dry-run) DRY=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
done
if ((!DRY)) && [[ $(id -u) -ne 0 ]]; then echo "iptables-install.sh: needs root" >&2; exit 1; fi

spec=(-m comment --comment "$TAG" -j NFQUEUE)
if [[ -n $BALANCE ]]; then spec+=(--queue-balance "$BALANCE"); else spec+=(--queue-num "$QUEUE"); fi
((BYPASS)) && spec+=(--queue-bypass)

# change_family F: queue the change of family F (XT_APPLY/XT_UNDO); print what is there already.
change_family() {
    local f=$1 tool line pos rule apply="" undo="" reinsert="" n=0 same=0
    tool=$(xt_tool "$f")
    command -v "$tool" >/dev/null || { echo "iptables-install.sh: $tool not found (on a host without IPv6: --family 4)" >&2; return 1; }
    local -a tagged=()
    mapfile -t tagged < <(xt_tagged "$f" "$CHAIN" "$TAG") || true
    n=${#tagged[@]}
    if "$tool" -w 5 -C "$CHAIN" "${spec[@]}" 2>/dev/null; then same=1; fi
    if ((n == 1 && same)); then
        echo "$tool: $CHAIN already sends to NFQUEUE (${spec[*]:6})"
        return 0
    fi
    for line in "${tagged[@]}"; do
        pos=${line%% *} rule=${line#* }
        apply+="-D $CHAIN $rule"$'\n'
        reinsert+="-I $CHAIN $pos $rule"$'\n'
    done
    if ((APPEND)); then apply+="-A $CHAIN ${spec[*]}"$'\n'; else apply+="-I $CHAIN 1 ${spec[*]}"$'\n'; fi
    undo="-D $CHAIN ${spec[*]}"$'\n'"$reinsert"
    XT_APPLY[$f]="*filter"$'\n'"$apply"COMMIT$'\n'
    XT_UNDO[$f]="*filter"$'\n'"$undo"COMMIT$'\n'
    CHANGED+=("$tool")
}

CHANGED=()
case $FAMILY in
    4) families=(4) ;;
    6) families=(6) ;;
    both) families=(4 6) ;;
esac
for f in "${families[@]}"; do change_family "$f"; done
XT_DRY=$DRY
if ! xt_commit "${families[@]}"; then
    echo "iptables-install.sh: nothing was changed" >&2
    exit 1
fi
if ((!DRY)); then
    for tool in "${CHANGED[@]}"; do echo "$tool: $CHAIN -> NFQUEUE ${spec[*]:6} (comment $TAG)"; done
    if ((BYPASS)); then
        echo "note: --queue-bypass: forwarded traffic passes UNFILTERED whenever the engine is not bound" >&2
    else
        echo "note: fail-closed: forwarded traffic is dropped whenever the engine is not bound" >&2
    fi
fi
