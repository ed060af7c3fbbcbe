package io.tandem.engine.system;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The frame of a system test that builds its own lab in each test: before the class, the test is skipped
 * unless it runs as root, and fails at once when the engine's jar is not built; after each test, the lab
 * comes down ({@code scripts/lab down --kill}: engines, namespaces, links and rules), whatever the test
 * left. Use with {@code @ExtendWith(LabPerTest.class)}.
 */
final class LabPerTest implements BeforeAllCallback, AfterEachCallback {
    @Override
    public void beforeAll(final ExtensionContext context) {
        assumeTrue(Lab.isRoot(), "system tests need root");
        assertTrue(Files.exists(Lab.root().resolve("engine/target/tandem.jar")), "build the jar first");
    }

    @Override
    public void afterEach(final ExtensionContext context) {
        Lab.lab("down", "--kill");
    }
}
