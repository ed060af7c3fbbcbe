# shellcheck shell=bash
# deploy/iptables-lib.sh — shared by iptables-install.sh and iptables-remove.sh: read the rules
# tagged with a comment, and change IPv4 and IPv6 together or not at all.
#
# Each family's change is one `iptables-restore --noflush` (`ip6tables-restore`) transaction on
# the filter table: the kernel sees all of its lines at once or none of them (legacy: one table
# replace; nft: one netlink batch), and rules this script does not name stay as they are. Two
# families are two transactions, so they are bound together here: both payloads are first checked
# with `--test`, then IPv4 is applied, then IPv6; if IPv6 fails, IPv4's inverse payload (written
# before anything was changed) is applied, and the script fails. Sourced; defines functions only.

# xt_tool FAMILY: the rule tool of family 4 or 6.
xt_tool() { if [[ $1 == 4 ]]; then echo iptables; else echo ip6tables; fi; }

# xt_tagged FAMILY CHAIN TAG: print "POSITION RULE" for every rule of CHAIN (filter table) tagged
# `-m comment --comment TAG`, RULE as `iptables -S` prints it without its leading "-A CHAIN ".
xt_tagged() {
    local tool out line pos=0
    tool=$(xt_tool "$1")
    out=$("$tool" -w 5 -t filter -S "$2") || return 1
    while IFS= read -r line; do
        [[ $line == "-A $2 "* ]] || continue
        pos=$((pos + 1))
        [[ " $line " == *" --comment $3 "* ]] && printf '%s %s\n' "$pos" "${line#"-A $2 "}"
    done <<<"$out"
    return 0
}

# xt_commit FAMILY... : apply the payloads XT_APPLY[F] for each FAMILY, together or not at all.
# XT_UNDO[F] must hold the inverse of XT_APPLY[F]; an empty XT_APPLY[F] means nothing to change.
# With XT_DRY=1, print the payloads instead. Returns non-zero (and changes nothing) on failure.
declare -A XT_APPLY=() XT_UNDO=()
XT_DRY=${XT_DRY:-0}
xt_commit() {
    local f restore done_families=()
    for f in "$@"; do
        [[ -n ${XT_APPLY[$f]:-} ]] || continue
        restore=$(xt_tool "$f")-restore
        if ((XT_DRY)); then
            printf '# %s -w 5 --noflush <<EOF\n%sEOF\n' "$restore" "${XT_APPLY[$f]}"
            continue
        fi
        command -v "$restore" >/dev/null || { echo "$restore not found: nothing changed" >&2; return 1; }
        if ! "$restore" -w 5 --noflush --test <<<"${XT_APPLY[$f]}"; then
            echo "$restore --test refused the change (shown below): nothing changed" >&2
            printf '%s' "${XT_APPLY[$f]}" >&2
            return 1
        fi
    done
    ((XT_DRY)) && return 0
    for f in "$@"; do
        [[ -n ${XT_APPLY[$f]:-} ]] || continue
        restore=$(xt_tool "$f")-restore
        if "$restore" -w 5 --noflush <<<"${XT_APPLY[$f]}"; then
            done_families+=("$f")
            continue
        fi
        echo "$restore failed; rolling back ${done_families[*]:-nothing}" >&2
        local i g
        for ((i = ${#done_families[@]} - 1; i >= 0; i--)); do
            g=${done_families[i]}
            if ! "$(xt_tool "$g")-restore" -w 5 --noflush <<<"${XT_UNDO[$g]}"; then
                echo "ROLLBACK FAILED for IPv$g: check '$(xt_tool "$g") -S' by hand; it should be:" >&2
                printf '%s' "${XT_UNDO[$g]}" >&2
            fi
        done
        return 1
    done
    return 0
}
