package io.tandem.nativeio.libc;

import java.nio.charset.StandardCharsets;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Interface name and index lookups in the calling thread's network namespace. Setup and reporting time only (each
 * call opens a socket inside libc and may allocate).
 */
public final class Interfaces {
    private Interfaces() {
    }

    /**
     * @param name an interface name such as {@code "eth0"}
     * @return its ifindex, or 0 when there is no such interface
     */
    public static int indexOf(final String name) {
        if (name == null || name.isEmpty() || name.length() >= LinuxConstants.IF_NAMESIZE) {
            return 0;
        }
        return Syscalls.libc().if_nametoindex(name);
    }

    /**
     * @param index an ifindex, e.g. from {@code NFQA_IFINDEX_INDEV}
     * @return the interface name, or null when no interface has that index
     */
    public static String nameOf(final int index) {
        if (index <= 0) {
            return null;
        }
        final UnsafeBuffer name = OffHeap.allocate(LinuxConstants.IF_NAMESIZE);
        final long result = Syscalls.libc().if_indextoname(index, name.addressOffset());
        if (result == 0) {
            return null;
        }
        int length = 0;
        while (length < LinuxConstants.IF_NAMESIZE && name.getByte(length) != 0) {
            length++;
        }
        final byte[] bytes = new byte[length];
        name.getBytes(0, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
