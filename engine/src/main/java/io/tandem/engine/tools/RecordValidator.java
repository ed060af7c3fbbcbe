package io.tandem.engine.tools;

import io.tandem.engine.journal.JournalReadStatus;
import io.tandem.engine.journal.JournalRecordFlyweight;
import io.tandem.engine.journal.JournalRecordType;
import java.util.zip.CRC32C;

/**
 * The validation ladder of {@link io.tandem.engine.journal.JournalReader#next()} applied to bytes
 * that did not come from a tailer (the fuzz target, import checks): length, magic, version, CRC,
 * type, in that order, first failure wins. Keep the two in step.
 */
public final class RecordValidator {
    private final CRC32C crc = new CRC32C();

    /**
     * @param r      a flyweight wrapping at least {@link JournalRecordFlyweight#LENGTH} bytes
     * @param length the length of the excerpt the bytes came from
     */
    public JournalReadStatus validate(final JournalRecordFlyweight r, final int length) {
        if (length != JournalRecordFlyweight.LENGTH) {
            return JournalReadStatus.BAD_LENGTH;
        }
        if (r.magic() != JournalRecordFlyweight.MAGIC) {
            return JournalReadStatus.BAD_MAGIC;
        }
        if (r.version() != JournalRecordFlyweight.VERSION) {
            return JournalReadStatus.UNKNOWN_VERSION;
        }
        if (!r.crcValid(crc)) {
            return JournalReadStatus.BAD_CRC;
        }
        if (JournalRecordType.of(r.type()) == JournalRecordType.UNKNOWN) {
            return JournalReadStatus.UNKNOWN_TYPE;
        }
        return JournalReadStatus.OK;
    }
}
