package io.tandem.nativeio.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real Unix datagram sockets: what an sd_notify sender sends is what systemd's socket receives. */
class UnixDatagramSocketTest {
    @TempDir
    Path temp;

    @Test
    void sendsToASocketBoundToAPath() {
        final String path = temp.resolve("notify").toString();
        try (UnixDatagramSocket receiver = UnixDatagramSocket.open(); UnixDatagramSocket sender = UnixDatagramSocket.open()) {
            receiver.bind(path);
            assertEquals(7, sender.send(path, "READY=1"));
            assertEquals("READY=1", receive(receiver));
            assertEquals(10, sender.send(path, "WATCHDOG=1"));
            assertEquals("WATCHDOG=1", receive(receiver));
        }
    }

    @Test
    void sendsToAnAbstractName() {
        final String name = "@tandem-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (UnixDatagramSocket receiver = UnixDatagramSocket.open(); UnixDatagramSocket sender = UnixDatagramSocket.open()) {
            receiver.bind(name);
            final String message = "STATUS=filtering\nREADY=1";
            assertEquals(message.length(), sender.send(name, message));
            assertEquals(message, receive(receiver));
        }
    }

    @Test
    void nobodyListeningIsANegativeErrnoAndNothingArrivingTimesOut() {
        try (UnixDatagramSocket sender = UnixDatagramSocket.open(); UnixDatagramSocket receiver = UnixDatagramSocket.open()) {
            assertEquals(-LinuxConstants.ENOENT, sender.send(temp.resolve("nobody").toString(), "READY=1"));
            final long abstractResult = sender.send("@tandem-test-nobody-" + System.nanoTime(), "READY=1");
            assertEquals(-LinuxConstants.ECONNREFUSED, abstractResult);
            receiver.bind(temp.resolve("quiet").toString());
            assertEquals(-LinuxConstants.EAGAIN, receiver.receive(new byte[16], 10));
        }
    }

    @Test
    void refusesAddressesThatDoNotFitSunPath() {
        try (UnixDatagramSocket sender = UnixDatagramSocket.open()) {
            assertThrows(IllegalArgumentException.class, () -> sender.send("/" + "x".repeat(107), "READY=1"));
            assertThrows(IllegalArgumentException.class, () -> sender.send("@", "READY=1"));
            assertThrows(IllegalArgumentException.class, () -> sender.send("", "READY=1"));
            assertTrue(sender.send("/" + "x".repeat(106), "READY=1") < 0, "107 bytes fit, but nothing is there");
        }
    }

    @Test
    void closeIsIdempotent() {
        final UnixDatagramSocket socket = UnixDatagramSocket.open();
        assertTrue(socket.fd() >= 0);
        socket.close();
        socket.close();
        assertEquals(-1, socket.fd());
    }

    private static String receive(final UnixDatagramSocket receiver) {
        final byte[] buffer = new byte[UnixDatagramSocket.MAX_DATAGRAM];
        final int n = receiver.receive(buffer, 2000);
        assertTrue(n >= 0, "receive: errno " + -n);
        return new String(buffer, 0, n, StandardCharsets.UTF_8);
    }
}
