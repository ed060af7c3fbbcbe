package io.tandem.engine.assembly;

/** The engine could not be assembled or started: a one-line message and the exit status it calls for. */
public final class EngineException extends Exception {
    private static final long serialVersionUID = 1L;
    /** A configuration that cannot work (exit status 2). */
    public static final int USAGE = 2;
    /** The engine could not start on this host (exit status 1). */
    public static final int FAILURE = 1;

    private final int exitStatus;

    public EngineException(final String message, final int exitStatus) {
        super(message);
        this.exitStatus = exitStatus;
    }

    public EngineException(final String message, final int exitStatus, final Throwable cause) {
        super(message, cause);
        this.exitStatus = exitStatus;
    }

    /** {@link #USAGE} or {@link #FAILURE}. */
    public int exitStatus() {
        return exitStatus;
    }
}
