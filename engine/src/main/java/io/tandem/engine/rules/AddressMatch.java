package io.tandem.engine.rules;

/**
 * One item of an address specification: {@code [!]ADDR[/LEN]}, or {@code any} (family 0) inside a list.
 * The address is stored masked to its prefix, so {@code 10.1.2.3/8} becomes {@code 10.0.0.0/8}.
 *
 * @param family  {@code 2} (inet), {@code 10} (inet6) or 0 for {@code any}
 * @param hi      bits 127..64 (IPv6 only)
 * @param lo      bits 63..0, or the IPv4 address in the low 32 bits
 * @param prefix  prefix length, 32 or 128 for a host
 * @param negated {@code !} given
 */
public record AddressMatch(int family, long hi, long lo, int prefix, boolean negated) {

    /** The {@code any} item. */
    public static final AddressMatch ANY = new AddressMatch(0, 0, 0, 0, false);

    /** Builds an item, masking the address to the prefix. */
    public static AddressMatch of(final int family, final long hi, final long lo, final int prefix, final boolean negated) {
        return new AddressMatch(family, hi & Addresses.maskHi(family, prefix), lo & Addresses.maskLo(family, prefix),
                prefix, negated);
    }

    public boolean isAny() {
        return family == 0;
    }

    /** Address family name: inet, inet6 or any. */
    public static String familyName(final int family) {
        return family == 2 ? "inet" : family == 10 ? "inet6" : "any";
    }

    /** Slow reference match, used by tests to cross-check the compiled form. */
    public boolean matches(final int pktFamily, final long pHi, final long pLo) {
        if (family == 0) {
            return true;
        }
        if (family != pktFamily) {
            return false;
        }
        final boolean in = ((pHi ^ hi) & Addresses.maskHi(family, prefix)) == 0
                && ((pLo ^ lo) & Addresses.maskLo(family, prefix)) == 0;
        return in != negated;
    }

    @Override
    public String toString() {
        if (family == 0) {
            return "any";
        }
        final String addr = family == 2 ? Addresses.formatInet4(lo) : Addresses.formatInet6(hi, lo);
        final int full = family == 2 ? 32 : 128;
        return (negated ? "!" : "") + addr + (prefix == full ? "" : "/" + prefix);
    }
}
