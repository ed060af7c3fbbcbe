# shellcheck shell=bash disable=SC2034
# Shared helpers for Tandem's shell scripts (lab, bench, demo, test).
#
# Source it from a script that has set `set -euo pipefail`:
#     TANDEM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
#     . "$TANDEM_ROOT/scripts/lib/common.sh"
#
# It defines functions and a few variables only; it changes no shell option
# and runs nothing at source time.

# Guard against double sourcing.
if [[ -n "${TANDEM_COMMON_SH:-}" ]]; then
    return 0
fi
TANDEM_COMMON_SH=1

# Repository root, derived from this file's location (scripts/lib/common.sh).
TANDEM_ROOT=${TANDEM_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export TANDEM_ROOT

# ---------------------------------------------------------------- logging
# Colours only when stderr is a terminal and NO_COLOR is unset.
if [[ -t 2 && -z "${NO_COLOR:-}" ]]; then
    _TDM_C_RED=$'\e[31m' _TDM_C_YEL=$'\e[33m' _TDM_C_GRN=$'\e[32m' _TDM_C_DIM=$'\e[2m' _TDM_C_OFF=$'\e[0m'
else
    _TDM_C_RED='' _TDM_C_YEL='' _TDM_C_GRN='' _TDM_C_DIM='' _TDM_C_OFF=''
fi

# Name shown in front of every message; scripts may set it before logging.
TDM_LOG_TAG=${TDM_LOG_TAG:-$(basename "${0:-tandem}")}

log_info()  { printf '%s[%s]%s %s\n' "$_TDM_C_DIM" "$TDM_LOG_TAG" "$_TDM_C_OFF" "$*" >&2; }
log_ok()    { printf '%s[%s] ok%s %s\n' "$_TDM_C_GRN" "$TDM_LOG_TAG" "$_TDM_C_OFF" "$*" >&2; }
log_warn()  { printf '%s[%s] warning:%s %s\n' "$_TDM_C_YEL" "$TDM_LOG_TAG" "$_TDM_C_OFF" "$*" >&2; }
log_error() { printf '%s[%s] error:%s %s\n' "$_TDM_C_RED" "$TDM_LOG_TAG" "$_TDM_C_OFF" "$*" >&2; }
# log_debug prints only when TDM_DEBUG is set to a non-empty value.
log_debug() { [[ -z "${TDM_DEBUG:-}" ]] || printf '%s[%s] debug: %s%s\n' "$_TDM_C_DIM" "$TDM_LOG_TAG" "$*" "$_TDM_C_OFF" >&2; }
# die MESSAGE [STATUS]: log an error and exit (default status 1).
die() { log_error "$1"; exit "${2:-1}"; }

# run CMD...: echo the command at debug level, then run it.
run() { log_debug "+ $*"; "$@"; }

# ---------------------------------------------------------------- checks
require_root() {
    if [[ "$(id -u)" -ne 0 ]]; then
        die "this needs root (network namespaces, iptables); run it with sudo"
    fi
}

# require_cmd CMD...: fail naming every missing command.
require_cmd() {
    local missing=() c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || missing+=("$c")
    done
    ((${#missing[@]} == 0)) || die "missing command(s): ${missing[*]}"
}

# ensure_packages PKG...: apt-get install -y only the Debian packages that
# are not installed yet; runs `apt-get update` at most once per process, and
# only when an install is needed. Needs root when something is missing.
_TDM_APT_UPDATED=${_TDM_APT_UPDATED:-}
ensure_packages() {
    local missing=() p status
    for p in "$@"; do
        status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
        [[ "$status" == "install ok installed" ]] || missing+=("$p")
    done
    ((${#missing[@]} == 0)) && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing packages ${missing[*]} and no apt-get to install them"
    require_root
    log_info "installing: ${missing[*]}"
    if [[ -z "$_TDM_APT_UPDATED" ]]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
        _TDM_APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
        || die "apt-get install ${missing[*]} failed"
}

# ---------------------------------------------------------------- timing
# wait_for TIMEOUT_SECONDS CMD...: run CMD every 0.1 s until it succeeds or
# the timeout passes. Returns 0 on success, 1 on timeout. Bounded by count.
wait_for() {
    local timeout=$1; shift
    local tries=$(( ${timeout%.*} * 10 + 1 )) i
    for ((i = 0; i < tries; i++)); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    return 1
}

# wait_for_file_text TIMEOUT FILE TEXT: wait until FILE contains TEXT.
wait_for_file_text() {
    local timeout=$1 file=$2 text=$3
    wait_for "$timeout" grep -qF -- "$text" "$file"
}

# stop_pid PID [GRACE_SECONDS]: SIGTERM one process we started, wait up to
# GRACE seconds (default 5), then SIGKILL it. Returns the process's status
# when it was our child and exited on its own after TERM, else 0.
stop_pid() {
    local pid=$1 grace=${2:-5} i
    [[ -n "$pid" ]] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log_warn "pid $pid ignored SIGTERM for ${grace}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    local rc=0
    wait "$pid" 2>/dev/null || rc=$?
    return "$rc"
}

# ---------------------------------------------------------------- lab names
# The lab's fixed names and addresses (scripts/lab creates them; docs/lab.md
# draws them). Other scripts use these instead of repeating literals.
TDM_NS_CLIENT=tdm-client
TDM_NS_FWA=tdm-fwA
TDM_NS_FWB=tdm-fwB
TDM_NS_SERVER=tdm-server
TDM_CLIENT_V4=198.18.1.10
TDM_CLIENT_V6=2001:db8:1::10
TDM_SERVER_V4=198.18.2.10
TDM_SERVER_V6=2001:db8:2::10
TDM_FWA_LAN_V4=198.18.1.1
TDM_FWA_LAN_V6=2001:db8:1::1
TDM_FWA_WAN_V4=198.18.2.1
TDM_FWA_WAN_V6=2001:db8:2::1
TDM_FWB_LAN_V4=198.18.1.2
TDM_FWB_LAN_V6=2001:db8:1::2
TDM_FWB_WAN_V4=198.18.2.2
TDM_FWB_WAN_V6=2001:db8:2::2
TDM_FWA_SYNC_V4=198.18.3.1
TDM_FWB_SYNC_V4=198.18.3.2
# The third firewall and the sync segment of the three-firewall layout (scripts/lab up --firewalls 3).
TDM_NS_FWC=tdm-fwC
TDM_NS_SYNC=tdm-sync
TDM_FWC_LAN_V4=198.18.1.3
TDM_FWC_LAN_V6=2001:db8:1::3
TDM_FWC_WAN_V4=198.18.2.3
TDM_FWC_WAN_V6=2001:db8:2::3
TDM_FWC_SYNC_V4=198.18.3.3
# Comment that tags every iptables rule the lab installs.
TDM_LAB_COMMENT=tandem-lab

# in_ns NS CMD...: run CMD inside network namespace NS.
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ns_exists NS: true when the named network namespace exists.
ns_exists() { [[ -e "/run/netns/$1" ]]; }

# fw_ns NAME: map fwA|fwB|fwC|tdm-fwA|... (case-insensitive) to a namespace.
fw_ns() {
    case "${1,,}" in
        fwa | tdm-fwa | a) echo "$TDM_NS_FWA" ;;
        fwb | tdm-fwb | b) echo "$TDM_NS_FWB" ;;
        fwc | tdm-fwc | c) echo "$TDM_NS_FWC" ;;
        *) return 1 ;;
    esac
}
