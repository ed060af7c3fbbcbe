package io.tandem.engine.rules;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressesTest {
    @ParameterizedTest
    @CsvSource({
        "::, ::", "::1, ::1", "1::, 1::", "2001:DB8::1, 2001:db8::1", "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:0db8:0000:0000:0000:0000:0002:0001, 2001:db8::2:1", "1:0:1:0:1:0:1:0, 1:0:1:0:1:0:1:0",
        "::ffff:1.2.3.4, ::ffff:1.2.3.4", "64:ff9b::192.0.2.33, 64:ff9b::c000:221",
        "fe80::1:2:3:4:5:6, fe80:0:1:2:3:4:5:6", "1:2:3:4:5:6:7::, 1:2:3:4:5:6:7:0",
    })
    void ipv6RoundTrip(final String in, final String out) {
        final long[] v = Addresses.parseInet6(in);
        assertEquals(out, Addresses.formatInet6(v[0], v[1]));
    }

    @Test
    void ipv6Words() {
        assertArrayEquals(new long[] {0x20010db800000000L, 1L}, Addresses.parseInet6("2001:db8::1"));
        assertArrayEquals(new long[] {0, 0xffff01020304L}, Addresses.parseInet6("::ffff:1.2.3.4"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ":", ":::", "1:::2", "1::2::3", "12345::", "g::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7",
        "::1.2.3", "1.2.3.4::", "1:2:3:4:5:6:7:1.2.3.4", ":1::", "1:"})
    void ipv6Invalid(final String s) {
        assertNull(Addresses.parseInet6(s), s);
    }

    @Test
    void ipv4() {
        assertEquals(0x0a000001L, Addresses.parseInet4("10.0.0.1"));
        assertEquals(0xffffffffL, Addresses.parseInet4("255.255.255.255"));
        assertEquals("0.0.0.0", Addresses.formatInet4(0));
        for (final String bad : new String[] {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "1.2.3.4.", "1234.1.1.1"}) {
            assertEquals(-1, Addresses.parseInet4(bad), bad);
        }
    }

    @Test
    void masks() {
        assertEquals(0, Addresses.maskHi(10, 0));
        assertEquals(0x8000_0000_0000_0000L, Addresses.maskHi(10, 1));
        assertEquals(-1L, Addresses.maskHi(10, 64));
        assertEquals(0, Addresses.maskLo(10, 64));
        assertEquals(0x8000_0000_0000_0000L, Addresses.maskLo(10, 65));
        assertEquals(-1L, Addresses.maskLo(10, 128));
        assertEquals(0xFFFF_FFFFL, Addresses.maskLo(2, 32));
        assertEquals(0xFF00_0000L, Addresses.maskLo(2, 8));
        assertEquals(0, Addresses.maskHi(2, 32));
    }
}
