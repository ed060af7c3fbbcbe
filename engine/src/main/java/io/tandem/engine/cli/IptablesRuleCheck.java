package io.tandem.engine.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Asks iptables-save and ip6tables-save, in the namespace the engine runs in, whether any rule
 * sends packets to a queue, so that {@code tandem run} can say at once what is missing instead of
 * waiting silently for packets that never come. Setup time only.
 */
final class IptablesRuleCheck {
    /** The answer: rules found, none found, or the tools could not tell. */
    enum Result { FOUND, MISSING, UNKNOWN }

    private static final Pattern NFQUEUE = Pattern.compile(
            "-j NFQUEUE(?<opts>[^\\n]*)");
    private static final Pattern QUEUE_NUM = Pattern.compile("--queue-num (\\d+)");
    private static final Pattern QUEUE_BALANCE = Pattern.compile("--queue-balance (\\d+):(\\d+)");

    private IptablesRuleCheck() {
    }

    static Result check(final int queue) {
        boolean anyToolWorked = false;
        for (final String tool : new String[] {"iptables-save", "ip6tables-save"}) {
            final String out = run(tool);
            if (out == null) {
                continue;
            }
            anyToolWorked = true;
            if (mentionsQueue(out, queue)) {
                return Result.FOUND;
            }
        }
        return anyToolWorked ? Result.MISSING : Result.UNKNOWN;
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
