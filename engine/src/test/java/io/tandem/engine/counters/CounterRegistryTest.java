package io.tandem.engine.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.engine.counters.CounterRegistry.Meter;
import io.tandem.engine.decode.DecodeResult;
import io.tandem.engine.testing.AllocationMeter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The registry's rules (valid Prometheus names, one series once, one help per family) and its readers. */
class CounterRegistryTest {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

    @Test
    void refusesWhatPrometheusWouldReject() {
        final CounterRegistry r = new CounterRegistry();
        assertThrows(IllegalArgumentException.class, () -> r.counter("tandem-packets", "h").read(() -> 0));
        assertThrows(IllegalArgumentException.class, () -> r.counter("9tandem", "h").read(() -> 0));
        assertThrows(IllegalArgumentException.class, () -> r.counter("tandem_x_total", "h").read(() -> 0));
        assertThrows(IllegalArgumentException.class, () -> r.counter("tandem_x", "h").label("bad-label", "v").read(() -> 0));
        assertThrows(IllegalArgumentException.class, () -> r.counter("tandem_x", "h").label("__reserved", "v").read(() -> 0));
        assertThrows(IllegalArgumentException.class, () -> r.counter("tandem_x", "h").label("a", "1").label("a", "2")
                .read(() -> 0));
        assertTrue(r.meters().isEmpty(), "nothing refused was added");
        r.gauge("tandem_x_total_bytes", "a gauge may end in anything valid").read(() -> 0);
    }

    @Test
    void aSeriesIsRegisteredOnceWhateverTheLabelOrder() {
        final CounterRegistry r = new CounterRegistry();
        r.counter("tandem_x", "h").label("a", "1").label("b", "2").read(() -> 0);
        r.counter("tandem_x", "h").label("a", "1").label("b", "3").read(() -> 0);
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.counter("tandem_x", "h").label("b", "2").label("a", "1").read(() -> 0));
        assertEquals("registered twice: tandem_x{a=\"1\",b=\"2\"}", e.getMessage());
        assertEquals(2, r.meters().size());
    }

    @Test
    void aFamilyHasOneHelpAndOneKind() {
        final CounterRegistry r = new CounterRegistry();
        r.counter("tandem_x", "help").label("a", "1").read(() -> 0);
        assertThrows(IllegalArgumentException.class, () -> r.counter("tandem_x", "other help").label("a", "2").read(() -> 0));
        assertThrows(IllegalArgumentException.class, () -> r.gauge("tandem_x", "help").label("a", "3").read(() -> 0));
    }

    @Test
    void subscribersSeeEveryEntryOnceAndIncludedPartsFollow() {
        final CounterRegistry engine = new CounterRegistry();
        final CounterRegistry part = new CounterRegistry();
        engine.counter("tandem_a", "a").read(() -> 1);
        final List<String> seen = new ArrayList<>();
        engine.subscribe(m -> seen.add(m.id()));
        part.counter("tandem_b", "b").group("part").key("b").read(() -> 2);
        engine.include(part);
        part.counter("tandem_c", "c").group("part").key("c").read(() -> 3);
        assertEquals(List.of("tandem_a", "tandem_b", "tandem_c"), seen);
        assertEquals(3, engine.meters().size());
        assertEquals(2, engine.group("part").size());
        assertEquals(3, engine.read("part", "c"));
        assertEquals(engine.find("part", "b"), part.find("part", "b"), "the same entry, not a copy of its list");
        assertThrows(IllegalArgumentException.class, () -> part.counter("tandem_a", "a").read(() -> 4),
                "a part cannot add what the engine already has");
        assertThrows(IllegalArgumentException.class, () -> engine.include(engine));
    }

    @Test
    void keysGroupsAndValues() {
        final CounterRegistry r = new CounterRegistry();
        final Meter seconds = r.gauge("tandem_recovery_seconds", "h").group("journal").divisor(1000).read(() -> 1234);
        final Meter absent = r.gauge("tandem_kernel", "h").read(() -> CounterRegistry.ABSENT);
        assertEquals(1.234, seconds.value(), 0.0);
        assertEquals(1234, seconds.read());
        assertEquals("tandem_recovery_seconds", seconds.key(), "the key defaults to the name");
        assertTrue(Double.isNaN(absent.value()));
        assertEquals("", absent.group());
        assertNull(r.find("journal", "nothing"));
        assertThrows(IllegalArgumentException.class, () -> r.read("journal", "nothing"));
    }

    @Test
    void aQueuesEntriesAreValidUniqueAndReadItsArrays() {
        final PacketCounters c = new PacketCounters(3);
        final CounterRegistry r = new CounterRegistry();
        c.registerCounters(r);
        final Set<String> ids = new HashSet<>();
        for (final Meter m : r.meters()) {
            assertTrue(NAME.matcher(m.name()).matches(), m.name());
            assertTrue(ids.add(m.id()), m.id());
            assertEquals("3", m.label("queue"), m.id());
            assertEquals(PacketCounters.COUNTER_GROUP, m.group());
        }
        for (final PacketCounter p : PacketCounter.VALUES) {
            final boolean listed = r.meters().stream().anyMatch(m -> m.name().equals(p.metricName()));
            assertEquals(!p.exportedAsSummary(), listed, p.name());
        }
        c.add(PacketCounter.VERDICT_DROP, 42);
        c.incrementDecodeFailure(DecodeResult.values()[1]);
        final Meter drops = r.meters().stream().filter(m -> m.id().equals("tandem_verdicts{queue=\"3\",verdict=\"drop\"}"))
                .findFirst().orElseThrow();
        assertEquals(42, drops.read());
        final Meter decode = r.meters().stream().filter(m -> m.name().equals("tandem_decode_failures")
                && DecodeResult.values()[1].reasonName().equals(m.label("reason"))).findFirst().orElseThrow();
        assertEquals(1, decode.read());
    }

    @Test
    void readingAnEntryAllocatesNothing() {
        final PacketCounters c = new PacketCounters(0);
        final CounterRegistry r = new CounterRegistry();
        c.registerCounters(r);
        final Meter[] meters = r.meters().toArray(new Meter[0]);
        final long[] sink = new long[1];
        final AllocationMeter meter = new AllocationMeter();
        final long allocated = meter.measure(3, () -> {
            for (int i = 0; i < 100_000; i++) {
                sink[0] += meters[i % meters.length].read();
            }
        });
        assertEquals(0, allocated, "bytes allocated by 100,000 reads; " + meter.rounds());
    }
}
