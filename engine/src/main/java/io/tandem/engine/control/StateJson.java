package io.tandem.engine.control;

import io.tandem.engine.rules.Addresses;
import io.tandem.engine.state.PfConstants;
import io.tandem.engine.state.StateSnapshotMailbox;
import io.tandem.engine.state.StateTimeouts;

/**
 * One state row of a {@link StateSnapshotMailbox} chunk as one line of JSON: the wire format of
 * the admin socket and the output of {@code tandem states --json}. Field names follow pfsync's
 * {@code pfsync_state} where one exists (creatorid, id, rule, direction, expire, packets, bytes,
 * src/dst peers with seqlo, seqhi, max_win, mss, state, wscale). Runs on the control thread.
 */
final class StateJson {
    private StateJson() {
    }

    static String of(final long[] r, final int o, final long nowMillis) {
        final int family = (int) r[o + StateSnapshotMailbox.F_FAMILY];
        final StringBuilder sb = new StringBuilder(512);
        sb.append('{');
        field(sb, "creatorid", String.format("\"%08x\"", r[o + StateSnapshotMailbox.F_CREATOR_ID])).append(',');
        field(sb, "id", String.format("\"%016x\"", r[o + StateSnapshotMailbox.F_ID])).append(',');
        field(sb, "af", family == 10 ? "\"inet6\"" : "\"inet\"").append(',');
        field(sb, "proto", Long.toString(r[o + StateSnapshotMailbox.F_PROTO])).append(',');
        field(sb, "src", "\"" + address(family, r[o + StateSnapshotMailbox.F_SRC_HI],
                r[o + StateSnapshotMailbox.F_SRC_LO]) + "\"").append(',');
        field(sb, "sport", Long.toString(r[o + StateSnapshotMailbox.F_SRC_PORT])).append(',');
        field(sb, "dst", "\"" + address(family, r[o + StateSnapshotMailbox.F_DST_HI],
                r[o + StateSnapshotMailbox.F_DST_LO]) + "\"").append(',');
        field(sb, "dport", Long.toString(r[o + StateSnapshotMailbox.F_DST_PORT])).append(',');
        field(sb, "ifindex", Long.toString(r[o + StateSnapshotMailbox.F_IFINDEX])).append(',');
        field(sb, "rule", Long.toString(r[o + StateSnapshotMailbox.F_RULE])).append(',');
        final long dir = r[o + StateSnapshotMailbox.F_DIRECTION];
        field(sb, "direction", dir == PfConstants.PF_OUT ? "\"out\"" : dir == PfConstants.PF_IN ? "\"in\"" : "\"inout\"")
                .append(',');
        field(sb, "age", Long.toString(Math.max(0, (nowMillis - r[o + StateSnapshotMailbox.F_CREATED_MILLIS]) / 1000)))
                .append(',');
        field(sb, "expire", Long.toString(r[o + StateSnapshotMailbox.F_EXPIRES_IN_SECONDS])).append(',');
        field(sb, "timeout", "\"" + StateTimeouts.name((int) r[o + StateSnapshotMailbox.F_TIMEOUT_CLASS]) + "\"")
                .append(',');
        field(sb, "packets", "[" + r[o + StateSnapshotMailbox.F_PACKETS_FWD] + ","
                + r[o + StateSnapshotMailbox.F_PACKETS_REV] + "]").append(',');
        field(sb, "bytes", "[" + r[o + StateSnapshotMailbox.F_BYTES_FWD] + ","
                + r[o + StateSnapshotMailbox.F_BYTES_REV] + "]").append(',');
        peer(sb, "src_peer", r, o + StateSnapshotMailbox.F_PEER).append(',');
        peer(sb, "dst_peer", r, o + StateSnapshotMailbox.F_PEER + StateSnapshotMailbox.PEER_FIELDS);
        return sb.append('}').toString();
    }

    private static StringBuilder peer(final StringBuilder sb, final String name, final long[] r, final int p) {
        sb.append('"').append(name).append("\":{");
        field(sb, "seqlo", Long.toString(r[p + StateSnapshotMailbox.P_SEQLO])).append(',');
        field(sb, "seqhi", Long.toString(r[p + StateSnapshotMailbox.P_SEQHI])).append(',');
        field(sb, "max_win", Long.toString(r[p + StateSnapshotMailbox.P_MAX_WIN])).append(',');
        field(sb, "mss", Long.toString(r[p + StateSnapshotMailbox.P_MSS])).append(',');
        field(sb, "state", Long.toString(r[p + StateSnapshotMailbox.P_STATE])).append(',');
        field(sb, "wscale", Long.toString(r[p + StateSnapshotMailbox.P_WSCALE]));
        return sb.append('}');
    }

    static String address(final int family, final long hi, final long lo) {
        return family == 10 ? Addresses.formatInet6(hi, lo) : Addresses.formatInet4(lo);
    }

    private static StringBuilder field(final StringBuilder sb, final String name, final String value) {
        return sb.append('"').append(name).append("\":").append(value);
    }
}
