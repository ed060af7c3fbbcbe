package io.tandem.engine.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks iptables-save and ip6tables-save, in the namespace the engine runs in, whether any rule
 * sends packets to a queue, so that {@code tandem run} can say at once what is missing instead of
 * waiting silently for packets that never come. Setup time only.
 */
final class IptablesRuleCheck {
    /** {@link #firstMissing}: every queue has a rule. */
    static final int NONE_MISSING = -1;
    /** {@link #firstMissing}: neither iptables-save nor ip6tables-save could be run. */
    static final int UNKNOWN = Integer.MIN_VALUE;

    private static final Pattern NFQUEUE = Pattern.compile(
            "-j NFQUEUE(?<opts>[^\\n]*)");
    private static final Pattern QUEUE_NUM = Pattern.compile("--queue-num (\\d+)");
    private static final Pattern QUEUE_BALANCE = Pattern.compile("--queue-balance (\\d+):(\\d+)");

    private IptablesRuleCheck() {
    }

    /**
     * The first of the {@code count} queues from {@code first} that no NFQUEUE rule targets,
     * {@link #NONE_MISSING} when every one has a rule, or {@link #UNKNOWN} when neither tool could be run.
     * The tools run once for the whole range.
     */
    static int firstMissing(final int first, final int count) {
        final List<String> outputs = new ArrayList<>();
        for (final String tool : new String[] {"iptables-save", "ip6tables-save"}) {
            final String out = run(tool);
            if (out != null) {
                outputs.add(out);
            }
        }
        if (outputs.isEmpty()) {
            return UNKNOWN;
        }
        for (int q = first; q < first + count; q++) {
            final int queue = q;
            if (outputs.stream().noneMatch(out -> mentionsQueue(out, queue))) {
                return q;
            }
        }
        return NONE_MISSING;
    }

    /** True when an NFQUEUE rule in the iptables-save text targets {@code queue}. */
    static boolean mentionsQueue(final String saveOutput, final int queue) {
        final Matcher m = NFQUEUE.matcher(saveOutput);
        while (m.find()) {
            final String opts = m.group("opts");
            final Matcher num = QUEUE_NUM.matcher(opts);
            final Matcher balance = QUEUE_BALANCE.matcher(opts);
            if (num.find()) {
                if (Integer.parseInt(num.group(1)) == queue) {
                    return true;
                }
            } else if (balance.find()) {
                if (queue >= Integer.parseInt(balance.group(1)) && queue <= Integer.parseInt(balance.group(2))) {
                    return true;
                }
            } else if (queue == 0) {
                return true; // no --queue-num means queue 0
            }
        }
        return false;
    }

    private static String run(final String tool) {
        try {
            final Process p = new ProcessBuilder(tool).redirectErrorStream(false).start();
            p.getOutputStream().close();
            final byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                return null;
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            return null;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
