package io.tandem.nativeio.libc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Pins the calling thread to one CPU with {@code sched_setaffinity(0, ...)}. On Linux, pid 0 means the calling
 * thread (a task), not the whole process, so each agent thread pins itself at start. Setup time only; allocates a
 * 128-byte {@code cpu_set_t} per call.
 */
public final class CpuAffinity {
    /** {@code sizeof(cpu_set_t)} in glibc: 1024 bits. */
    public static final int CPU_SET_BYTES = 128;
    /** Highest CPU number a {@code cpu_set_t} can name, plus one. */
    public static final int MAX_CPUS = CPU_SET_BYTES * 8;

    private CpuAffinity() {
    }

    /**
     * Pin the calling thread to {@code cpu}.
     *
     * @param cpu the CPU number, 0-based
     * @throws NativeException when the number is out of range or the CPU is not available to this process
     */
    public static void pinCurrentThread(final int cpu) {
        if (cpu < 0 || cpu >= MAX_CPUS) {
            throw new NativeException(LinuxConstants.EINVAL, "sched_setaffinity(cpu " + cpu + "): EINVAL (Invalid"
                + " argument) — CPU numbers run from 0 to " + (MAX_CPUS - 1) + "; online CPUs: " + onlineCpus());
        }
        final UnsafeBuffer set = OffHeap.allocate(CPU_SET_BYTES);
        set.putByte(cpu >>> 3, (byte)(1 << (cpu & 7)));
        final int result = Syscalls.libc().sched_setaffinity(0, CPU_SET_BYTES, set.addressOffset());
        if (result != 0) {
            final int errno = Syscalls.lastErrno();
            throw NativeException.of("sched_setaffinity(cpu " + cpu + ")", errno,
                errno == LinuxConstants.EINVAL
                    ? "CPU " + cpu + " is offline or outside this process's cpuset; online CPUs: " + onlineCpus()
                    : "check the cpuset and permissions of this process");
        }
    }

    /**
     * @return the CPU numbers the calling thread may run on, as a bit set over {@code cpu_set_t}, lowest CPU in
     *     bit 0 of word 0; only the first 64 CPUs are returned
     */
    public static long currentThreadAffinityMask() {
        final UnsafeBuffer set = OffHeap.allocate(CPU_SET_BYTES);
        Syscalls.check(Syscalls.libc().sched_getaffinity(0, CPU_SET_BYTES, set.addressOffset()),
            "sched_getaffinity(0)", null);
        return set.getLong(0, java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    private static String onlineCpus() {
        try {
            return Files.readString(Path.of("/sys/devices/system/cpu/online")).trim();
        } catch (final IOException | RuntimeException ex) {
            return "0-" + (Runtime.getRuntime().availableProcessors() - 1) + " (from the JVM)";
        }
    }
}
