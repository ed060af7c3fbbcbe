package io.tandem.engine.testing;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waits in tests for what another thread does: polls a condition every millisecond, for at most 10 s. */
public final class Await {
    private Await() {
    }

    /** Returns once {@code condition} holds; fails with "timed out waiting for {@code what}" after 10 s. */
    public static void until(final BooleanSupplier condition, final String what) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(1);
        }
    }
}
