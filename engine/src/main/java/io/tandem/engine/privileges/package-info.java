/**
 * Least privilege: who the engine runs as, and the files it trusts.
 *
 * <p>{@link io.tandem.engine.privileges.PrivilegeDrop} switches the process from root to the user of
 * {@code set user} (default {@code tandem}) once the queue's and servers' sockets are bound, keeping only the
 * capabilities the packet and sync threads need ({@code CAP_NET_ADMIN}, and {@code CAP_NET_RAW} for pfsync) on
 * the thread that starts them. {@link io.tandem.engine.privileges.PathCheck} checks the owner and mode of the
 * journal and control socket directories at start and refuses unsafe ones;
 * {@link io.tandem.engine.privileges.ThreadCredentials} reads every thread's ids and capabilities from
 * {@code /proc}, to prove the switch reached them all. The POSIX calls go through jnr-posix
 * ({@code nativeio.libc.Posix}) and the per-thread capability calls through jnr-ffi
 * ({@code nativeio.libc.ThreadCapabilities}). Depends on the native bindings only.
 */
package io.tandem.engine.privileges;
