package io.tandem.engine.tools;

import static io.tandem.engine.tools.JournalFixture.T0;
import static io.tandem.engine.tools.JournalFixture.at;
import static io.tandem.engine.tools.JournalFixture.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.journal.JournalRecordType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code tandem journal tail|states|stats} on a real journal written with the scenario of {@link JournalFixture}. */
class JournalCommandTest {
    @TempDir
    Path dir;

    @BeforeEach
    void writeJournal() throws Exception {
        try (JournalFixture f = new JournalFixture(dir)) {
            f.scenario();
        }
    }

    private JournalFixture.Run ok(final String... args) {
        final JournalFixture.Run r = run(args);
        assertEquals(0, r.status(), () -> "status of " + Arrays.toString(args) + "\nout: " + r.out() + "\nerr: " + r.err());
        assertEquals("", r.err(), "stderr of " + Arrays.toString(args));
        return r;
    }

    @Test
    void tailPrintsOneLinePerEvent() {
        final String[] lines = ok("journal", "tail", "-d", dir.toString()).lines();
        assertEquals(15, lines.length, String.join("\n", lines));
        assertEquals("2024-11-24T04:00:00.000Z [START] engine started, creator 5ac05189 epoch 0", lines[0]);
        assertEquals("2024-11-24T04:00:01.000Z [INSERT] tcp 198.18.1.10:40000 -> 198.18.2.10:5201 ESTABLISHED:SYN_SENT"
                + " rule 2 id 6b05c7a500000001 creator 5ac05189", lines[1]);
        assertEquals("2024-11-24T04:00:03.000Z [UPDATE] tcp 198.18.1.10:40000 -> 198.18.2.10:5201"
                + " ESTABLISHED:ESTABLISHED rule 2 id 6b05c7a500000001 creator 5ac05189 timeout tcp.established",
                lines[3]);
        assertEquals("2024-11-24T04:00:04.000Z [INSERT] tcp 2001:db8::1[50000] -> 2001:db8::2[443]"
                + " ESTABLISHED:ESTABLISHED rule -1 id 0000000000000011 creator 0badcafe from peer 0badcafe", lines[4]);
        assertEquals("2024-11-24T04:00:10.000Z [EPOCH_START] epoch 1 creator 5ac05189", lines[5]);
        assertEquals("2024-11-24T04:00:11.000Z [EPOCH_END] epoch 1 creator 5ac05189", lines[9]);
        assertTrue(lines[10].startsWith("2024-11-24T04:00:20.000Z [DELETE] tcp 198.18.1.10:40000 -> 198.18.2.10:5201"
                + " TIME_WAIT:TIME_WAIT rule 2"), lines[10]);
        assertTrue(lines[10].endsWith(" reason closed"), lines[10]);
        assertEquals("2024-11-24T04:00:30.000Z [CLEAR] states of creator 0badcafe (peer)", lines[11]);
        assertTrue(lines[12].contains("[INSERT] icmp 198.18.1.10[7] -> 198.18.2.10[7] 0:0"), lines[12]);
        assertEquals("2024-11-24T04:01:00.000Z [CLEAR] all states", lines[13]);
    }

    @Test
    void tailFilters() {
        assertEquals(2, ok("journal", "tail", "-d", dir.toString(), "--type", "delete,clear").lines().length - 1);
        assertEquals(List.of("DELETE"), types(ok("journal", "tail", "-d", dir.toString(), "--type", "delete")));
        assertEquals(List.of("INSERT", "SNAPSHOT"), types(ok("journal", "tail", "-d", dir.toString(), "--host",
                "2001:db8::2")));
        assertEquals(List.of("INSERT", "SNAPSHOT"), types(ok("journal", "tail", "-d", dir.toString(), "--proto", "udp")));
        assertEquals(List.of("INSERT", "UPDATE", "SNAPSHOT", "DELETE"),
                types(ok("journal", "tail", "-d", dir.toString(), "--port", "5201")));
        assertEquals(List.of("INSERT", "UPDATE", "SNAPSHOT", "DELETE", "INSERT"),
                types(ok("journal", "tail", "-d", dir.toString(), "--host", "198.18.1.10")));
        assertEquals(List.of("SNAPSHOT", "SNAPSHOT", "EPOCH_END"), types(ok("journal", "tail", "-d", dir.toString(),
                "--since", at(T0 + 10_200), "--until", at(T0 + 11_000))));
        assertEquals(List.of("CLEAR", "INSERT"), types(ok("journal", "tail", "-d", dir.toString(), "-n", "2")));
        assertEquals(List.of("INSERT", "INSERT"), types(ok("journal", "tail", "-d", dir.toString(), "-n", "2",
                "--type", "insert", "--proto", "tcp")));
        assertEquals(0, ok("journal", "tail", "-d", dir.toString(), "-n", "0").lines().length);
        // epoch seconds
        assertEquals(List.of("CLEAR", "INSERT"), types(ok("journal", "tail", "-d", dir.toString(), "--since",
                Long.toString((T0 + 60_000) / 1000))));
    }

    @Test
    void tailJson() {
        final String[] lines = ok("journal", "tail", "-d", dir.toString(), "--json", "--type", "delete").lines();
        assertEquals(1, lines.length);
        final Map<String, Object> m = JsonReader.object(lines[0]);
        assertEquals("delete", m.get("type"));
        assertEquals("closed", m.get("reason"));
        assertEquals("198.18.1.10", m.get("src"));
        assertEquals(40000L, m.get("sport"));
        assertEquals("6b05c7a500000001", m.get("id"));
        assertEquals("5ac05189", m.get("creatorid"));
        assertEquals("in", m.get("direction"));
        assertEquals(T0 + 20_000, m.get("time_ms"));
    }

    @Test
    void followPrintsNewRecords() throws Exception {
        final JournalFixture.Run[] result = new JournalFixture.Run[1];
        final Thread t = new Thread(() -> result[0] = run("journal", "tail", "-d", dir.toString(), "-f", "-n", "1",
                "--stop-after", "1500"));
        t.start();
        Thread.sleep(500);
        try (JournalFixture f = new JournalFixture(dir)) {
            f.header(JournalRecordType.EPOCH_START, T0 + 80_000).epoch(2);
            f.append();
        }
        t.join(10_000);
        assertFalse(t.isAlive());
        assertEquals(0, result[0].status(), result[0].err());
        assertEquals(List.of("INSERT", "EPOCH_START"), types(result[0]));
    }

    @Test
    void statesTimeTravel() {
        final String dirArg = dir.toString();
        final String[] early = ok("journal", "states", "-d", dirArg, "--at", at(T0 + 5000)).lines();
        assertEquals(6, early.length, String.join("\n", early));
        assertEquals("all tcp 198.18.2.10:5201 <- 198.18.1.10:40000       ESTABLISHED:ESTABLISHED", early[0]);
        assertEquals("   age 00:00:04, expires in 23:59:55, 10:8 pkts, 1200:900 bytes, rule 2, timeout tcp.established,"
                + " id 6b05c7a500000001, creatorid 5ac05189", early[1]);
        assertEquals("all udp 198.18.1.11:5353 -> 198.18.2.53:53       MULTIPLE:SINGLE", early[2]);
        assertEquals("all tcp 2001:db8::1[50000] -> 2001:db8::2[443]       ESTABLISHED:ESTABLISHED", early[4]);
        assertEquals(List.of("6b05c7a500000002", "0000000000000011"), ids(ok("journal", "states", "-d", dirArg,
                "--at", at(T0 + 25_000), "--json")));
        assertEquals(List.of("6b05c7a500000002"), ids(ok("journal", "states", "-d", dirArg, "--at", at(T0 + 35_000),
                "--json")));
        // id2 expired at T0+45s
        assertEquals(List.of("6b05c7a500000004"), ids(ok("journal", "states", "-d", dirArg, "--at", at(T0 + 45_500),
                "--json")));
        assertEquals(List.of(), ids(ok("journal", "states", "-d", dirArg, "--at", at(T0 + 65_000), "--json")));
        assertEquals(List.of("6b05c7a500000005"), ids(ok("journal", "states", "-d", dirArg, "--json")));
        final String[] now = ok("journal", "states", "-d", dirArg).lines();
        assertEquals("all tcp 198.18.2.10:22 <- 198.18.1.12:41000       ESTABLISHED:ESTABLISHED", now[0]);
        assertTrue(now[1].contains("expires in never"), now[1]);
    }

    @Test
    void stats() {
        final JournalFixture.Run r = ok("journal", "stats", "-d", dir.toString());
        assertTrue(r.out().contains("records       15\n"), r.out());
        assertTrue(r.out().contains("  insert      5\n"), r.out());
        assertTrue(r.out().contains("  snapshot    3\n"), r.out());
        assertTrue(r.out().contains("first         2024-11-24T04:00:00.000Z\n"), r.out());
        assertTrue(r.out().contains("last          2024-11-24T04:01:10.000Z\n"), r.out());
        assertTrue(r.out().contains("rate          0.2 records/s\n"), r.out());
        assertTrue(r.out().contains("last complete snapshot epoch 1 (ended 2024-11-24T04:00:11.000Z)"), r.out());
        assertTrue(r.out().contains("skipped       0\n"), r.out());
        assertTrue(r.out().contains("in 1 roll-cycle file"), r.out());
        final Map<String, Object> json = JsonReader.object(ok("journal", "stats", "-d", dir.toString(), "--json")
                .out().trim());
        assertEquals(15L, json.get("records"));
        assertEquals(1L, json.get("last_complete_epoch"));
        assertEquals(1L, json.get("cycle_files"));
        assertTrue((Long) json.get("disk_bytes") > 0);
    }

    @Test
    void helpAndUsageErrors() {
        final JournalFixture.Run help = ok("journal", "--help");
        assertTrue(help.out().contains("tail") && help.out().contains("import") && help.out().contains("Exit status"),
                help.out());
        assertTrue(ok("journal", "tail", "--help").out().contains("--follow"));
        assertTrue(ok("help", "journal").out().contains("states"));
        assertEquals(2, run("journal").status());
        final JournalFixture.Run badType = run("journal", "tail", "-d", dir.toString(), "--type", "bogus");
        assertEquals(2, badType.status());
        assertTrue(badType.err().contains("unknown record type 'bogus'"), badType.err());
        final JournalFixture.Run badTime = run("journal", "states", "-d", dir.toString(), "--at", "yesterday-ish");
        assertEquals(2, badTime.status());
        assertTrue(badTime.err().contains("invalid time 'yesterday-ish'"), badTime.err());
        assertEquals(2, run("journal", "tail", "-d", dir.toString(), "--port", "70000").status());
        assertEquals(2, run("journal", "tail", "-d", dir.toString(), "--proto", "sctpx").status());
        assertEquals(2, run("journal", "tail", "-d", dir.toString(), "--host", "example.org").status());
        assertEquals(2, run("journal", "export", "-d", dir.toString()).status());
    }

    @Test
    void badDirectoriesFailWithOneLine(@TempDir final Path other) throws Exception {
        final JournalFixture.Run missing = run("journal", "stats", "-d", other.resolve("nope").toString());
        assertEquals(1, missing.status());
        assertEquals("tandem: " + other.resolve("nope") + ": no such journal directory\n", missing.err());
        Files.writeString(other.resolve("notes.txt"), "hello");
        final JournalFixture.Run notJournal = run("journal", "tail", "-d", other.toString());
        assertEquals(1, notJournal.status());
        assertTrue(notJournal.err().contains("it is not a Tandem journal"), notJournal.err());
        assertEquals(1, notJournal.err().split("\n").length);
        Files.writeString(other.resolve("tandem-journal.properties"), "format=99\nnode=x\ncreatorid=1\n");
        final JournalFixture.Run newer = run("journal", "states", "-d", other.toString());
        assertEquals(1, newer.status());
        assertTrue(newer.err().contains("is journal format 99; this Tandem reads format 1"), newer.err());
        assertEquals(1, newer.err().split("\n").length);
    }

    private static List<String> types(final JournalFixture.Run r) {
        return Arrays.stream(r.lines()).map(l -> l.substring(l.indexOf('[') + 1, l.indexOf(']')))
                .collect(Collectors.toList());
    }

    private static List<String> ids(final JournalFixture.Run r) {
        final String[] lines = r.lines();
        assertEquals("[", lines[0]);
        assertEquals("]", lines[lines.length - 1]);
        return Arrays.stream(lines, 1, lines.length - 1).map(l -> {
            final String s = l.trim();
            return (String) JsonReader.object(s.endsWith(",") ? s.substring(0, s.length() - 1) : s).get("id");
        }).collect(Collectors.toList());
    }

    @Test
    void jsonLinesAreArrays() {
        final JournalFixture.Run r = ok("journal", "states", "-d", dir.toString(), "--at", at(T0 + 5000), "--json");
        assertArrayEquals(new String[] {"6b05c7a500000001", "6b05c7a500000002", "0000000000000011"},
                ids(r).toArray(new String[0]));
        final Map<String, Object> first = JsonReader.object(r.lines()[1].trim().replaceAll(",$", ""));
        assertEquals(4L, first.get("age"));
        assertEquals(86_395L, first.get("expire"));
    }
}
