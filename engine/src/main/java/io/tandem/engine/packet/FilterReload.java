package io.tandem.engine.packet;

import io.tandem.engine.rules.Ruleset;
import io.tandem.engine.state.StateTimeouts;

/**
 * What a reload ({@code SIGHUP}, {@code tandem reload}) changes on the packet thread: the compiled
 * ruleset, pf's timeout values and the verdict for packets that do not decode. Everything else in
 * the configuration needs a restart (the assembly refuses a reload that changes it).
 *
 * @param ruleset         the new ruleset, compiled on the thread that asked for the reload
 * @param timeouts        the new timeout values ({@code set timeout})
 * @param acceptMalformed {@code set malformed pass}
 */
public record FilterReload(Ruleset ruleset, StateTimeouts timeouts, boolean acceptMalformed) {
    public FilterReload {
        if (ruleset == null || timeouts == null) {
            throw new IllegalArgumentException("a reload needs a ruleset and timeouts");
        }
    }
}
