package io.tandem.engine.privileges;

import io.tandem.nativeio.libc.ThreadCapabilities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The child process of {@link PrivilegeDropTest}: started as root, it switches to the user named by its argument
 * the way {@code tandem run} does, and prints one line per thread of interest — {@code NAME uid=U,U,U,U
 * capEff=HEX capPrm=HEX} — read by each thread from {@code /proc/thread-self/status}: a thread started before the
 * switch, the switching thread, a thread it starts after the switch (the packet thread's case) and one it starts
 * after {@link PrivilegeDrop#releaseStarterCapabilities} (the servers' case). Exit 0, or 3 with the refusal.
 */
public final class DropProbe {
    private DropProbe() {
    }

    public static void main(final String[] args) throws Exception {
        preloadProjectClasses();
        final CountDownLatch switched = new CountDownLatch(1);
        final String[] before = new String[1];
        final Thread early = new Thread(() -> {
            try {
                switched.await();
                before[0] = self("before");
            } catch (final InterruptedException | IOException e) {
                before[0] = "before " + e;
            }
        }, "probe-before");
        early.setDaemon(true); // a failure of main must end the probe, not leave it waiting
        early.start();
        final PrivilegeDrop drop;
        try {
            drop = PrivilegeDrop.forUser(args[0], ThreadCapabilities.mask(ThreadCapabilities.CAP_NET_ADMIN,
                    ThreadCapabilities.CAP_NET_RAW));
            System.out.println("report " + drop.apply());
        } catch (final PrivilegeException e) {
            System.out.println("refused " + e.getMessage());
            System.exit(3);
            return;
        }
        switched.countDown();
        early.join();
        System.out.println(before[0]);
        System.out.println(self("starter"));
        System.out.println(inNewThread("after"));
        drop.releaseStarterCapabilities();
        System.out.println(self("starter-released"));
        System.out.println(inNewThread("late"));
        System.out.flush();
    }

    /**
     * Loads every project class found in class-path directories while still root: after the switch the
     * user may not read them (a clone in a mode-0700 temporary directory, as CI makes). Jars are not
     * affected: the JVM keeps them open. The engine itself runs from its jar.
     */
    private static void preloadProjectClasses() throws IOException {
        final ClassLoader loader = DropProbe.class.getClassLoader();
        for (final String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            final Path root = Path.of(entry);
            if (!Files.isDirectory(root.resolve("io/tandem"))) {
                continue;
            }
            try (java.util.stream.Stream<Path> files = Files.walk(root.resolve("io/tandem"))) {
                for (final Path f : (Iterable<Path>) files.filter(x -> x.toString().endsWith(".class"))::iterator) {
                    final String rel = root.relativize(f).toString();
                    final String name = rel.substring(0, rel.length() - ".class".length()).replace('/', '.');
                    try {
                        Class.forName(name, false, loader);
                    } catch (final ClassNotFoundException | LinkageError e) {
                        // not loadable on its own (e.g. a test needing absent jars): not needed by the probe
                    }
                }
            }
        }
    }

    private static String inNewThread(final String name) throws InterruptedException {
        final String[] out = new String[1];
        final Thread t = new Thread(() -> {
            try {
                out[0] = self(name);
            } catch (final IOException e) {
                out[0] = name + " " + e;
            }
        }, "probe-" + name);
        t.start();
        t.join();
        return out[0];
    }

    /** The calling thread's ids and capabilities as the kernel reports them. */
    static String self(final String name) throws IOException {
        final ThreadCredentials c = ThreadCredentials.parse(0, Files.readAllLines(Path.of("/proc/thread-self/status")));
        return name + " uid=" + c.uids()[0] + "," + c.uids()[1] + "," + c.uids()[2] + "," + c.uids()[3] + " gid="
                + c.gids()[0] + " capEff=" + Long.toHexString(c.capEff()) + " capPrm=" + Long.toHexString(c.capPrm());
    }
}
