package io.tandem.engine.decode;

/**
 * Things the decoder notices in packets that still decode {@link DecodeResult#OK}; counter
 * descriptors read through {@link PacketDecoder#count(DecodeNote)}. None of them changes a verdict.
 */
public enum DecodeNote {
    /** ICMP error whose quote ends before the inner IP header plus 8 transport bytes. */
    ICMP_QUOTE_TRUNCATED("icmp_quote_truncated",
        "ICMP error quotes too little of the offending packet; inner fields left empty."),
    /**
     * ICMP error whose quote is malformed: wrong IP version for the outer family, bad IHL, bad or
     * too long extension header chain, or a quoted later fragment (no ports to match).
     */
    ICMP_QUOTE_MALFORMED("icmp_quote_malformed",
        "ICMP error quotes a malformed or unusable packet; inner fields left empty."),
    /** Original length above the IP length: bytes after the IP packet were ignored. */
    TRAILING_BYTES("trailing_bytes", "Packet longer than its IP length; trailing bytes ignored.");

    private final String reasonName;
    private final String help;

    DecodeNote(final String reasonName, final String help) {
        this.reasonName = reasonName;
        this.help = help;
    }

    public String reasonName() {
        return reasonName;
    }

    public String help() {
        return help;
    }
}
