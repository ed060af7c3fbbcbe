package io.tandem.engine.journal;

/**
 * What {@link JournalReader#next()} found. Everything but OK and END is a skipped record, counted
 * under its reason and reported by recovery and the tools; none of them stops reading.
 */
public enum JournalReadStatus {
    OK("ok", "a valid record"),
    END("end", "no more records (for now)"),
    BAD_LENGTH("bad_length", "an excerpt that is not 256 bytes: not a Tandem record, or truncated"),
    BAD_MAGIC("bad_magic", "the record does not start with \"TJ\""),
    UNKNOWN_VERSION("unknown_version", "a record version this Tandem does not read"),
    BAD_CRC("bad_crc", "the CRC32C does not match: the record is corrupted"),
    UNKNOWN_TYPE("unknown_type", "a record type this Tandem does not know"),
    UNREADABLE("unreadable", "Chronicle Queue could not read the excerpt");

    private final String label;
    private final String help;

    JournalReadStatus(final String label, final String help) {
        this.label = label;
        this.help = help;
    }

    public String label() {
        return label;
    }

    public String help() {
        return help;
    }

    public boolean skipped() {
        return this != OK && this != END;
    }
}
