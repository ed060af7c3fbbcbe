package io.tandem.engine.tools;

import io.tandem.engine.cli.JournalCommand;
import io.tandem.engine.journal.Journal;
import io.tandem.engine.journal.JournalDirectory;
import io.tandem.engine.journal.JournalException;
import io.tandem.engine.journal.JournalHealth;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import io.tandem.engine.journal.JournalRecorder;
import io.tandem.engine.journal.JournalWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Writes real journals for the tool tests (Chronicle files in a temporary directory) and runs
 * {@code tandem} commands capturing their output.
 */
final class JournalFixture implements AutoCloseable {
    static final int CREATOR = 0x5ac05189;
    static final int PEER = 0x0badcafe;
    static final long T0 = Instant.parse("2024-11-24T04:00:00Z").toEpochMilli();
    static final long DAY = 86_400_000L;

    final Journal journal;
    final JournalWriter writer;

    JournalFixture(final Path dir) throws JournalException {
        final JournalDirectory d = JournalDirectory.openForWriting(dir, CREATOR, CREATOR);
        journal = Journal.openForWriting(d, "hourly");
        writer = new JournalWriter(journal, new JournalHealth(dir, 0), 0);
    }

    /** Starts a record with its header. */
    JournalRecordFlyweight header(final JournalRecordType type, final long time) {
        return writer.record().type(type.code()).wallTimeMillis(time).monotonicNanos(time * 1_000_000L)
                .creatorId(CREATOR);
    }

    /** An IPv4 state record. */
    JournalRecordFlyweight v4(final JournalRecordType type, final long time, final long id, final int proto,
            final String src, final int sport, final String dst, final int dport, final int direction) {
        return header(type, time).id(id).af(2).proto(proto).direction(direction)
                .addresses(0, io.tandem.engine.rules.Addresses.parseInet4(src), 0,
                        io.tandem.engine.rules.Addresses.parseInet4(dst))
                .ports(sport, dport).rule(2).creationMillis(time).lastActivityMillis(time)
                .counters(10, 8, 1200, 900).ifindex(0);
    }

    void append() {
        if (!writer.append()) {
            throw new IllegalStateException("append failed");
        }
    }

    /**
     * The standard scenario (times are T0 + seconds):
     * <pre>
     *  0  START
     *  1  INSERT  id1 tcp 198.18.1.10:40000 -> 198.18.2.10:5201 in, ESTABLISHED:SYN_SENT, expires +1d
     *  2  INSERT  id2 udp 198.18.1.11:5353 -> 198.18.2.53:53 out, expires T0+45s
     *  3  UPDATE  id1 ESTABLISHED:ESTABLISHED, tcp.established
     *  4  INSERT  id3 tcp [2001:db8::1]:50000 -> [2001:db8::2]:443, creator PEER, learned from the peer
     * 10  EPOCH_START 1, SNAPSHOT id1 id2 id3, 11 EPOCH_END 1
     * 20  DELETE  id1 closed
     * 30  CLEAR   of PEER (removes id3)
     * 40  INSERT  id4 icmp 198.18.1.10 -> 198.18.2.10 id 7
     * 60  CLEAR   all
     * 70  INSERT  id5 tcp 198.18.1.12:41000 -> 198.18.2.10:22, never expires
     * </pre>
     */
    void scenario() {
        header(JournalRecordType.START, T0).epoch(0);
        append();
        id1(JournalRecordType.INSERT, T0 + 1000, 4, 2, 1);
        append();
        v4(JournalRecordType.INSERT, T0 + 2000, 0x6b05c7a500000002L, 17, "198.18.1.11", 5353, "198.18.2.53", 53, 2)
                .peer(0, 0, 0, 0, 0, 0, 2, 0).peer(1, 0, 0, 0, 0, 0, 1, 0).timeoutClass(7).expireAtMillis(T0 + 45_000);
        append();
        id1(JournalRecordType.UPDATE, T0 + 3000, 4, 4, 2);
        append();
        id3(JournalRecordType.INSERT, T0 + 4000);
        append();
        header(JournalRecordType.EPOCH_START, T0 + 10_000).epoch(1);
        append();
        id1(JournalRecordType.SNAPSHOT, T0 + 10_100, 4, 4, 2).epoch(1);
        append();
        v4(JournalRecordType.SNAPSHOT, T0 + 10_200, 0x6b05c7a500000002L, 17, "198.18.1.11", 5353, "198.18.2.53", 53, 2)
                .peer(0, 0, 0, 0, 0, 0, 2, 0).peer(1, 0, 0, 0, 0, 0, 1, 0).timeoutClass(7).expireAtMillis(T0 + 45_000)
                .epoch(1).creationMillis(T0 + 2000);
        append();
        id3(JournalRecordType.SNAPSHOT, T0 + 10_300).epoch(1);
        append();
        header(JournalRecordType.EPOCH_END, T0 + 11_000).epoch(1);
        append();
        id1(JournalRecordType.DELETE, T0 + 20_000, 10, 10, 5).reason(2);
        append();
        header(JournalRecordType.CLEAR, T0 + 30_000).originKind(JournalRecorder.ORIGIN_PEER).origin(PEER);
        append();
        v4(JournalRecordType.INSERT, T0 + 40_000, 0x6b05c7a500000004L, 1, "198.18.1.10", 7, "198.18.2.10", 7, 2)
                .timeoutClass(9).expireAtMillis(T0 + DAY);
        append();
        header(JournalRecordType.CLEAR, T0 + 60_000).creatorId(0); // no creator: every state
        append();
        v4(JournalRecordType.INSERT, T0 + 70_000, 0x6b05c7a500000005L, 6, "198.18.1.12", 41000, "198.18.2.10", 22, 1)
                .peer(0, 1000, 66535, 0, 65535, 1460, 4, 0x87).peer(1, 5000, 70535, 0, 65535, 1460, 4, 0x87)
                .timeoutClass(2).expireAtMillis(0);
        append();
    }

    JournalRecordFlyweight id1(final JournalRecordType type, final long time, final int srcState, final int dstState,
            final int timeout) {
        return v4(type, time, 0x6b05c7a500000001L, 6, "198.18.1.10", 40000, "198.18.2.10", 5201, 1)
                .peer(0, 1_000_000, 1_065_535, 0, 65535, 1460, srcState, 0x87)
                .peer(1, 2_000_000, 2_029_200, 0, 29200, 1400, dstState, 0x87)
                .timeoutClass(timeout).expireAtMillis(T0 + DAY).creationMillis(T0 + 1000);
    }

    JournalRecordFlyweight id3(final JournalRecordType type, final long time) {
        return header(type, time).creatorId(PEER).id(0x11).af(10).proto(6).direction(2)
                .addresses(0x20010db800000000L, 1, 0x20010db800000000L, 2).ports(50000, 443).rule(-1)
                .originKind(JournalRecorder.ORIGIN_PEER).origin(PEER)
                .peer(0, 1, 2, 3, 4, 5, 4, 6).peer(1, 7, 8, 9, 10, 11, 4, 12).timeoutClass(2)
                .creationMillis(T0 + 4000).expireAtMillis(T0 + DAY).lastActivityMillis(T0 + 4000)
                .counters(1, 2, 3, 4);
    }

    @Override
    public void close() {
        writer.close();
        journal.close();
    }

    /** Output of one command run. */
    record Run(int status, String out, String err) {
        String[] lines() {
            return out.isEmpty() ? new String[0] : out.split("\n");
        }
    }

    static Run run(final String... args) {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int status = JournalCommand.execute(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(status, out.toString(), err.toString());
    }

    static String at(final long millis) {
        return Instant.ofEpochMilli(millis).toString();
    }
}
