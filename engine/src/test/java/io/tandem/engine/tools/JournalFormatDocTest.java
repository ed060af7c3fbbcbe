package io.tandem.engine.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.engine.journal.JournalRecordFlyweight;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/journal-format.md's record and peer tables match {@link JournalRecordFlyweight}: every
 * {@code *_OFFSET} constant is a row with its offset and size (up to the next field), in order, and
 * every {@code PEER_*} constant a row of the peer table ({@code | +12 | 2 | max_win |}).
 */
class JournalFormatDocTest {
    private static final Pattern RECORD_ROW = Pattern.compile("^\\|\\s*(\\d+)\\s*\\|\\s*(\\d+)\\s*\\|\\s*([^|]+?)\\s*\\|",
            Pattern.MULTILINE);
    private static final Pattern PEER_ROW = Pattern.compile("^\\|\\s*\\+(\\d+)\\s*\\|\\s*(\\d+)\\s*\\|\\s*([^|]+?)\\s*\\|",
            Pattern.MULTILINE);

    @Test
    void recordTableMatchesTheFlyweight() throws Exception {
        final TreeMap<Integer, String> offsets = constants(name -> name.endsWith("_OFFSET"));
        final List<String> expected = new ArrayList<>();
        final List<Integer> starts = new ArrayList<>(offsets.keySet());
        for (int i = 0; i < starts.size(); i++) {
            final int end = i + 1 < starts.size() ? starts.get(i + 1) : JournalRecordFlyweight.LENGTH;
            expected.add(starts.get(i) + " " + (end - starts.get(i)));
        }
        final List<String> documented = rows(RECORD_ROW);
        assertEquals(expected, documented, "docs/journal-format.md record table vs JournalRecordFlyweight "
                + offsets);
        assertEquals(256, JournalRecordFlyweight.LENGTH);
        // spot-check names against the constants they document
        final String doc = doc();
        assertEquals(true, doc.contains("| " + JournalRecordFlyweight.SRC_PEER_OFFSET + " | "
                + JournalRecordFlyweight.PEER_LENGTH + " | src peer |"));
        assertEquals(true, doc.contains("| " + JournalRecordFlyweight.CRC_OFFSET + " | 4 | crc |"));
    }

    @Test
    void peerTableMatchesTheFlyweight() throws Exception {
        final TreeMap<Integer, String> offsets = constants(name -> name.startsWith("PEER_") && !name.equals("PEER_LENGTH"));
        final List<String> expected = new ArrayList<>();
        final List<Integer> starts = new ArrayList<>(offsets.keySet());
        for (int i = 0; i < starts.size(); i++) {
            final int end = i + 1 < starts.size() ? starts.get(i + 1) : JournalRecordFlyweight.PEER_LENGTH;
            // the last field is one byte (wscale); the rest of the peer is padding
            final int size = i + 1 < starts.size() ? end - starts.get(i) : 1;
            expected.add(starts.get(i) + " " + size);
        }
        final int lastField = starts.get(starts.size() - 1) + 1;
        expected.add(lastField + " " + (JournalRecordFlyweight.PEER_LENGTH - lastField));
        assertEquals(expected, rows(PEER_ROW), "docs/journal-format.md peer table vs JournalRecordFlyweight " + offsets);
    }

    private static TreeMap<Integer, String> constants(final java.util.function.Predicate<String> which)
            throws IllegalAccessException {
        final TreeMap<Integer, String> offsets = new TreeMap<>();
        for (final Field f : JournalRecordFlyweight.class.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == int.class && which.test(f.getName())) {
                final String previous = offsets.put(f.getInt(null), f.getName());
                if (previous != null) {
                    throw new AssertionError("two fields at one offset: " + previous + ", " + f.getName());
                }
            }
        }
        return offsets;
    }

    private static List<String> rows(final Pattern pattern) throws IOException {
        final List<String> rows = new ArrayList<>();
        final Matcher m = pattern.matcher(doc());
        while (m.find()) {
            rows.add(m.group(1) + " " + m.group(2));
        }
        return rows;
    }

    static String doc() throws IOException {
        Path doc = Path.of("docs/journal-format.md");
        if (!Files.exists(doc)) {
            doc = Path.of("../docs/journal-format.md");
        }
        return Files.readString(doc, StandardCharsets.UTF_8);
    }
}
