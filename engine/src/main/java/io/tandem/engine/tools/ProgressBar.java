package io.tandem.engine.tools;

import java.io.PrintWriter;

/**
 * A progress bar on stderr for long replays, {@code [#####     ] 52% 1.2M records}, redrawn in
 * place with a carriage return at most ten times a second, and erased when done. Silent when
 * disabled (stderr is not a terminal: {@link #terminal()}), so scripts and logs never see it.
 */
public final class ProgressBar {
    private static final int WIDTH = 20;
    private static final long INTERVAL_NANOS = 100_000_000L;

    private final PrintWriter err;
    private final boolean enabled;
    private final long total;
    private long lastDraw;
    private int drawnLength;

    /**
     * @param total the number of records expected (the journal's entry count), 0 when unknown
     */
    public ProgressBar(final PrintWriter err, final boolean enabled, final long total) {
        this.err = err;
        this.enabled = enabled;
        this.total = total;
        this.lastDraw = System.nanoTime();
    }

    /**
     * Enabled when stderr, where the bar is drawn, is a terminal ({@code isatty(2)} through jnr-posix).
     * {@code System.console()} asked the wrong question: it needs stdin and stdout to be the terminal,
     * so {@code tandem journal ... > out.txt} lost the bar and {@code 2> log} wrote it into the log.
     */
    public static boolean terminal() {
        return io.tandem.nativeio.libc.Posix.isatty(2);
    }

    /** Reports that {@code done} records have been read; redraws when 100 ms have passed. */
    public void update(final long done) {
        if (!enabled || (done & 0xFF) != 0) {
            return;
        }
        final long now = System.nanoTime();
        if (now - lastDraw < INTERVAL_NANOS) {
            return;
        }
        lastDraw = now;
        final String text = render(done, total);
        err.print('\r' + text);
        err.flush();
        drawnLength = text.length();
    }

    /** Erases the bar. */
    public void done() {
        if (enabled && drawnLength > 0) {
            err.print('\r' + " ".repeat(drawnLength) + '\r');
            err.flush();
            drawnLength = 0;
        }
    }

    /** The bar's text for {@code done} of {@code total} records. */
    static String render(final long done, final long total) {
        final int percent = total <= 0 ? 0 : (int) Math.min(100, done * 100 / total);
        final int filled = percent * WIDTH / 100;
        return "[" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + percent + "% " + count(done) + " records";
    }

    static String count(final long n) {
        if (n < 1000) {
            return Long.toString(n);
        }
        if (n < 1_000_000) {
            return (n / 100) / 10.0 + "k";
        }
        return (n / 100_000) / 10.0 + "M";
    }
}
