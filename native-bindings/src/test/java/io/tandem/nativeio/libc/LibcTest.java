package io.tandem.nativeio.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

/** Setup helpers of the libc package. */
class LibcTest {
    @Test
    void errnoNamesAndMessage() {
        assertEquals("EPERM", NativeException.errnoName(1));
        assertEquals("EAGAIN", NativeException.errnoName(11));
        assertEquals("EOPNOTSUPP", NativeException.errnoName(95));
        assertEquals("Operation not permitted", NativeException.errnoDescription(1));
        final NativeException ex = NativeException.of("socket(AF_NETLINK, NETLINK_NETFILTER)", 1,
            "run as root or grant CAP_NET_ADMIN");
        assertEquals("socket(AF_NETLINK, NETLINK_NETFILTER): EPERM (Operation not permitted) — run as root or grant"
            + " CAP_NET_ADMIN", ex.getMessage());
        assertEquals(1, ex.errno());
        assertEquals("EPERM", ex.errnoName());
        assertEquals("errno 9999", NativeException.errnoName(9999));
    }

    @Test
    void interfaces() {
        assertEquals(1, Interfaces.indexOf("lo"));
        assertEquals("lo", Interfaces.nameOf(1));
        assertEquals(0, Interfaces.indexOf("tdm-no-such-if"));
        assertNull(Interfaces.nameOf(999_999));
        assertNull(Interfaces.nameOf(0));
    }

    @Test
    void pinThreadToCpu0AndRefuseBadCpus() throws Exception {
        final AtomicLong mask = new AtomicLong();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread thread = new Thread(() -> {
            try {
                CpuAffinity.pinCurrentThread(0);
                mask.set(CpuAffinity.currentThreadAffinityMask());
            } catch (final Throwable t) {
                failure.set(t);
            }
        });
        thread.start();
        thread.join();
        assertNull(failure.get());
        assertEquals(1L, mask.get());

        final NativeException outOfRange = assertThrows(NativeException.class, () -> CpuAffinity.pinCurrentThread(-1));
        assertTrue(outOfRange.getMessage().contains("EINVAL"), outOfRange.getMessage());
        final NativeException offline = assertThrows(NativeException.class, () -> CpuAffinity.pinCurrentThread(1000));
        assertEquals(LinuxConstants.EINVAL, offline.errno());
        assertTrue(offline.getMessage().contains("online CPUs"), offline.getMessage());
    }

    @Test
    void missingNamespaceIsExplained() {
        final NativeException ex = assertThrows(NativeException.class,
            () -> NetNamespace.enterForCurrentThread("tdm-nb-no-such-ns"));
        assertEquals(LinuxConstants.ENOENT, ex.errno());
        assertTrue(ex.getMessage().contains("does not exist"), ex.getMessage());
        assertTrue(ex.getMessage().contains("ip netns add tdm-nb-no-such-ns"), ex.getMessage());
        assertThrows(NativeException.class, () -> NetNamespace.enterForCurrentThread("../etc"));
    }
}
