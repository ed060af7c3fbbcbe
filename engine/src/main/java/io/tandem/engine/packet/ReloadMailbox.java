package io.tandem.engine.packet;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hands a {@link FilterReload} to the packet thread, which swaps it in between two receive batches,
 * so that every packet is decided wholly by the old or wholly by the new configuration and none is
 * lost or left undecided (packets arriving meanwhile wait in the kernel's queue).
 *
 * <p><b>Threads.</b> Any thread {@link #apply posts} (the signal or control thread; one reload at a
 * time, serialised here); the packet thread {@link #take takes} at the start of each duty cycle — a
 * single volatile read when nothing waits — and completes the request. <b>Memory bound:</b> one
 * pending request. <b>Failure policy:</b> a request the packet thread has not taken within the
 * caller's timeout is withdrawn and reported as not applied; one the packet thread took but could not
 * apply completes exceptionally with the reason.
 */
public final class ReloadMailbox {
    /** One reload waiting for the packet thread, and its answer (a one-line summary). */
    public static final class Request {
        private final FilterReload reload;
        private final CompletableFuture<String> done = new CompletableFuture<>();

        Request(final FilterReload reload) {
            this.reload = reload;
        }

        public FilterReload reload() {
            return reload;
        }

        /** Packet thread: the reload is in place. */
        public void applied(final String summary) {
            done.complete(summary);
        }

        /** Packet thread: the reload could not be applied; the old configuration stays. */
        public void failed(final RuntimeException e) {
            done.completeExceptionally(e);
        }
    }

    private final AtomicReference<Request> pending = new AtomicReference<>();

    /**
     * Posts {@code reload} and waits for the packet thread to apply it.
     *
     * @return the packet thread's summary
     * @throws ReloadException when it was not applied within the timeout (withdrawn, old configuration
     *                         kept) or the packet thread refused it
     */
    public synchronized String apply(final FilterReload reload, final long timeout, final TimeUnit unit)
            throws ReloadException, InterruptedException {
        final Request request = new Request(reload);
        pending.set(request);
        try {
            return request.done.get(timeout, unit);
        } catch (final TimeoutException e) {
            if (pending.compareAndSet(request, null)) {
                throw new ReloadException("the packet thread did not take the new configuration within "
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
    public Request take() {
        return pending.get() == null ? null : pending.getAndSet(null);
    }

    /** A reload that was not applied; its message says why. */
    public static final class ReloadException extends Exception {
        private static final long serialVersionUID = 1L;

        public ReloadException(final String message) {
            super(message);
        }
    }
}
