package io.tandem.engine.packet;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz target for the words an admin-socket client sends after {@code kill} ({@code tandem kill
 * host|id|rule|label ...}): they either parse into a command or fail with an
 * {@link IllegalArgumentException} whose message is sent back to the client; anything else would
 * end that client's request with an internal error. In the normal test run Jazzer replays the seeds
 * under {@code StateCommandFuzzTestInputs/kill/}.
 */
class StateCommandFuzzTest {
    @FuzzTest(maxDuration = "20s")
    void kill(final byte[] data) {
        try {
            StateCommand.parseKill(new String(data, StandardCharsets.UTF_8));
        } catch (final IllegalArgumentException expected) {
            if (expected.getMessage() == null || expected.getMessage().isEmpty()) {
                throw new IllegalStateException("a refusal without a message", expected);
            }
        }
    }
}
