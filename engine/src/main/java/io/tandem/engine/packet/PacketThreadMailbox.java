package io.tandem.engine.packet;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hands one request to the packet thread, which carries it out between two receive batches and
 * answers with a one-line summary: a {@link FilterReload} (swapped in, so that every packet is decided
 * wholly by the old or wholly by the new configuration and none is lost or left undecided — packets
 * arriving meanwhile wait in the kernel's queue), or a {@link StateCommand} ({@code tandem kill},
 * {@code tandem flush states}).
 *
 * <p><b>Threads.</b> Any thread {@link #apply posts} (the signal or control thread; one reload at a
 * time, serialised here); the packet thread {@link #take takes} at the start of each duty cycle — a
 * single volatile read when nothing waits — and completes the request. <b>Memory bound:</b> one
 * pending request. <b>Failure policy:</b> a request the packet thread has not taken within the
 * caller's timeout is withdrawn and reported as not applied; one the packet thread took but could not
 * apply completes exceptionally with the reason.
 */
public final class PacketThreadMailbox<T> {
    /** One request waiting for the packet thread, and its answer (a one-line summary). */
    public static final class Request<T> {
        private final T payload;
        private final CompletableFuture<String> done = new CompletableFuture<>();

        Request(final T payload) {
            this.payload = payload;
        }

        public T payload() {
            return payload;
        }

        /** Packet thread: the request is carried out. */
        public void applied(final String summary) {
            done.complete(summary);
        }

        /** Packet thread: the request could not be carried out; nothing changed. */
        public void failed(final RuntimeException e) {
            done.completeExceptionally(e);
        }
    }

    private final AtomicReference<Request<T>> pending = new AtomicReference<>();

    /** The serving thread's doorbell, rung after each request is posted (the packet agent installs it). */
    private volatile Runnable wakeup = () -> { };

    /** Installs the serving thread's doorbell ({@code null}: none). */
    public void wakeup(final Runnable doorbell) {
        this.wakeup = doorbell == null ? () -> { } : doorbell;
    }

    /**
     * Posts {@code request} and waits for the packet thread to carry it out.
     *
     * @return the packet thread's summary
     * @throws ReloadException when it was not applied within the timeout (withdrawn, old configuration
     *                         kept) or the packet thread refused it
     */
    public synchronized String apply(final T payload, final long timeout, final TimeUnit unit)
            throws ReloadException, InterruptedException {
        final Request<T> request = new Request<>(payload);
        pending.set(request);
        wakeup.run();
        try {
            return request.done.get(timeout, unit);
        } catch (final TimeoutException e) {
            if (pending.compareAndSet(request, null)) {
                throw new ReloadException("the packet thread did not take the request within "
                        + unit.toMillis(timeout) + " ms; nothing was changed");
            }
            try {
                return request.done.get(); // taken meanwhile: it finishes within one duty cycle
            } catch (final ExecutionException failed) {
                throw new ReloadException(failed.getCause().getMessage());
            }
        } catch (final ExecutionException e) {
            throw new ReloadException(e.getCause().getMessage());
        }
    }

    /** Packet thread: the waiting request, or null (one volatile read). */
    public Request<T> take() {
        return pending.get() == null ? null : pending.getAndSet(null);
    }

    /** A request that was not carried out; its message says why. */
    public static final class ReloadException extends Exception {
        private static final long serialVersionUID = 1L;

        public ReloadException(final String message) {
            super(message);
        }
    }
}
