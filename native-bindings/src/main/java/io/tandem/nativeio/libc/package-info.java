/**
 * libc through jnr-ffi.
 *
 * <p>{@link io.tandem.nativeio.libc.LibC} is the raw jnr-ffi interface, loaded once by
 * {@link io.tandem.nativeio.libc.Syscalls}. Hot-path functions take raw native addresses ({@code long}) of off-heap
 * memory so that a warmed-up call allocates nothing; they report failure as a negative errno. Setup helpers
 * ({@link io.tandem.nativeio.libc.CpuAffinity}, {@link io.tandem.nativeio.libc.NetNamespace},
 * {@link io.tandem.nativeio.libc.Interfaces}) throw {@link io.tandem.nativeio.libc.NativeException} with the errno,
 * its symbolic name and a hint at the likely cause. {@link io.tandem.nativeio.libc.ReceiveBatch} is the
 * preallocated {@code recvmmsg} batch the netlink and raw IP batches extend, and the home of the {@code iovec},
 * {@code msghdr} and {@code mmsghdr} layout constants. {@link io.tandem.nativeio.libc.UnixDatagramSocket} is the
 * {@code AF_UNIX} datagram socket the engine's systemd notifications ({@code sd_notify}) are sent on.
 *
 * <p>Identity and files: {@link io.tandem.nativeio.libc.Posix} is the jnr-posix facade ({@code stat}, user
 * database, {@code setuid}/{@code setgid}/{@code setgroups}, which glibc applies to every thread, {@code isatty}),
 * returning {@link io.tandem.nativeio.libc.FileStatus} and {@link io.tandem.nativeio.libc.UserAccount} values;
 * {@link io.tandem.nativeio.libc.ThreadCapabilities} reads and sets the calling thread's capabilities
 * ({@code capget}/{@code capset}, {@code PR_SET_KEEPCAPS}), which the kernel keeps per thread.
 */
package io.tandem.nativeio.libc;
