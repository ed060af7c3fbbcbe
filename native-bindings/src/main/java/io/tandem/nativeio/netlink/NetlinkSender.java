package io.tandem.nativeio.netlink;

/**
 * Where a batch of netlink messages goes: the one method of {@link NetlinkSocket} the verdict path
 * needs, so that the code that builds verdicts can be tested without a kernel.
 */
@FunctionalInterface
public interface NetlinkSender {
    /**
     * Sends {@code length} bytes of off-heap memory at {@code address} to the kernel.
     *
     * @return bytes sent, or a negative errno
     */
    long send(long address, int length);
}
