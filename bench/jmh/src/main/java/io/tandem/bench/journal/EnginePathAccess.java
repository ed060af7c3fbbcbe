package io.tandem.bench.journal;

import io.tandem.engine.packet.PacketFilter;
import java.lang.reflect.Field;
import java.lang.reflect.Method;

/**
 * Reaches into a {@code PacketPathBenchmark} state ({@code io.tandem.bench.engine}) for the two
 * things the journal benchmarks need and that package keeps package-private: the packet path's
 * {@link PacketFilter} (to attach the journal to its state table) and its packet count (to check
 * that one benchmark invocation is the batch size this package assumes).
 *
 * <p>Why reflection rather than a copy of the engine benchmark's helpers: "journal off" must be
 * exactly {@code PacketPathBenchmark}, so the journal benchmarks call its benchmark methods on its
 * own state objects. Setup and tear-down only, never in a measured loop. Fails with a clear
 * message when the engine benchmark's fields are renamed.
 */
final class EnginePathAccess {
    private static final String PATH_FIELD = "path";

    private final Object path;
    private final Method packets;
    private final PacketFilter filter;

    /** @param engineState a {@code PacketPathBenchmark.Established} or {@code .NewFlows}, after its setUp */
    EnginePathAccess(final Object engineState) {
        try {
            final Field f = engineState.getClass().getDeclaredField(PATH_FIELD);
            f.setAccessible(true);
            path = f.get(engineState);
            if (path == null) {
                throw new IllegalStateException(engineState.getClass().getName() + "." + PATH_FIELD
                        + " is null: call the engine state's setUp() first");
            }
            final Method filterMethod = path.getClass().getDeclaredMethod("filter");
            filterMethod.setAccessible(true);
            filter = (PacketFilter) filterMethod.invoke(path);
            packets = path.getClass().getDeclaredMethod("packets");
            packets.setAccessible(true);
        } catch (final ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("io.tandem.bench.engine changed: cannot reach the packet path of "
                    + engineState.getClass().getName() + " (" + e + "); update " + EnginePathAccess.class.getName(), e);
        }
    }

    PacketFilter filter() {
        return filter;
    }

    /** Packets the path has processed so far (handshakes of the setup included). */
    long packets() {
        try {
            return (Long) packets.invoke(path);
        } catch (final ReflectiveOperationException e) {
            throw new IllegalStateException("cannot read the packet count: " + e, e);
        }
    }
}
