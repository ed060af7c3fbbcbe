/**
 * Native bindings for Tandem: libc through jnr-ffi ({@link io.tandem.nativeio.libc}), raw netlink sockets and header
 * flyweights ({@link io.tandem.nativeio.netlink}) and the nfnetlink_queue codec and session
 * ({@link io.tandem.nativeio.nfqueue}). Nothing here knows about firewall policy.
 *
 * <p>Memory rule for the whole tree: setup code may allocate and throw; the hot path (receive, parse, encode
 * verdicts, send) works on preallocated off-heap buffers, returns negative errno or a status enum, and allocates
 * nothing once warm.
 */
package io.tandem.nativeio;
