package io.tandem.nativeio.ipraw;

/**
 * IPv4 addresses as an {@code int} with the first octet in the most significant byte ({@code 224.0.0.240} is
 * {@code 0xe00000f0}), the form every method of this package takes; flyweights write them big-endian. Parsing and
 * formatting allocate and are for setup, tests and diagnostics only.
 */
public final class Ipv4Address {
    /** {@code INADDR_PFSYNC_GROUP}, 224.0.0.240: the default pfsync destination. */
    public static final int PFSYNC_GROUP = 0xe00000f0;
    /** {@code INADDR_LOOPBACK}, 127.0.0.1. */
    public static final int LOOPBACK = 0x7f000001;

    private Ipv4Address() {
    }

    /**
     * @param dotted dotted-quad text such as {@code "198.19.0.1"}
     * @return the address
     * @throws IllegalArgumentException when it is not four decimal octets
     */
    public static int parse(final String dotted) {
        final String[] parts = dotted == null ? new String[0] : dotted.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address (a.b.c.d): '" + dotted + "'");
        }
        int address = 0;
        for (final String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("not an IPv4 address (a.b.c.d): '" + dotted + "'");
            }
            final int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException("IPv4 octet above 255 in '" + dotted + "'");
            }
            address = (address << 8) | octet;
        }
        return address;
    }

    /**
     * @param address an address
     * @return its dotted-quad text
     */
    public static String format(final int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xff) + "." + ((address >>> 8) & 0xff) + "."
            + (address & 0xff);
    }

    /**
     * @param address an address
     * @return whether it is in 224.0.0.0/4
     */
    public static boolean isMulticast(final int address) {
        return (address >>> 28) == 0xe;
    }
}
