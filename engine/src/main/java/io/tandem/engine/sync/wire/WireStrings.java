package io.tandem.engine.sync.wire;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/** NUL-padded fixed-size ASCII fields ({@code ifname[16]}, {@code tagname[64]}); no allocation except {@link #get}. */
final class WireStrings {
    private WireStrings() {
    }

    /** Writes {@code value} (ASCII, at most {@code size - 1} chars) and pads with NUL to {@code size} bytes. */
    static void put(final MutableDirectBuffer buffer, final int index, final int size, final CharSequence value) {
        final int n = value == null ? 0 : value.length();
        if (n >= size) {
            throw new IllegalArgumentException("name too long for a NUL-terminated field");
        }
        for (int i = 0; i < n; i++) {
            final char c = value.charAt(i);
            if (c == 0 || c > 0x7E) {
                throw new IllegalArgumentException("name must be printable ASCII");
            }
            buffer.putByte(index + i, (byte) c);
        }
        buffer.setMemory(index + n, size - n, (byte) 0);
    }

    /** Bytes before the first NUL, or {@code size} if there is none. */
    static int length(final DirectBuffer buffer, final int index, final int size) {
        for (int i = 0; i < size; i++) {
            if (buffer.getByte(index + i) == 0) {
                return i;
            }
        }
        return size;
    }

    /** True when the field holds a NUL within {@code size} bytes. */
    static boolean terminated(final DirectBuffer buffer, final int index, final int size) {
        return length(buffer, index, size) < size;
    }

    /** True when the field's text (up to the first NUL) equals {@code value}. */
    static boolean equals(final DirectBuffer buffer, final int index, final int size, final CharSequence value) {
        final int n = length(buffer, index, size);
        if (n != value.length()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if ((buffer.getByte(index + i) & 0xFF) != value.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Replaces {@code out} with the field's text (up to the first NUL); no allocation within capacity. */
    static StringBuilder appendTo(final DirectBuffer buffer, final int index, final int size, final StringBuilder out) {
        out.setLength(0);
        final int n = length(buffer, index, size);
        for (int i = 0; i < n; i++) {
            out.append((char) (buffer.getByte(index + i) & 0xFF));
        }
        return out;
    }

    /** The field as a String (allocates: tools and tests only). */
    static String get(final DirectBuffer buffer, final int index, final int size) {
        final int n = length(buffer, index, size);
        final char[] chars = new char[n];
        for (int i = 0; i < n; i++) {
            chars[i] = (char) (buffer.getByte(index + i) & 0xFF);
        }
        return new String(chars);
    }
}
