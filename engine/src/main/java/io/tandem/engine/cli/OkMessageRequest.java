package io.tandem.engine.cli;

import io.tandem.engine.tools.JsonReader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One admin-socket request whose answer is {@code {"ok":BOOL,"message":TEXT}} ({@code reload},
 * {@code kill ...}, {@code flush states}, {@code states load}): prints the message (stdout when ok, stderr otherwise) and
 * returns the exit status — 0 when ok, 1 when refused, unreachable or not understood.
 */
final class OkMessageRequest {
    private OkMessageRequest() {
    }

    static int run(final PrintWriter out, final PrintWriter err, final AdminSocketOptions options, final String request) {
        return run(out, err, options, request, null);
    }

    /** As {@link #run(PrintWriter, PrintWriter, AdminSocketOptions, String)}, the request followed by {@code body}. */
    static int run(final PrintWriter out, final PrintWriter err, final AdminSocketOptions options, final String request,
            final java.io.InputStream body) {
        final AdminSocket admin = new AdminSocket();
        final Path path = options.resolve(admin, err);
        final List<String> lines = path == null ? null : body == null ? admin.request(path, request, err)
                : admin.request(path, request, body, err);
        if (lines == null) {
            return admin.exitCode();
        }
        final String verb = request.split(" ", 2)[0];
        final Map<String, Object> answer;
        try {
            answer = lines.isEmpty() ? null : JsonReader.object(lines.get(0));
        } catch (final RuntimeException e) {
            err.println("tandem: the engine's answer to " + verb + " is not understood: " + e.getMessage());
            return TandemMain.EXIT_FAILURE;
        }
        if (answer == null || !(answer.get("ok") instanceof Boolean) || !(answer.get("message") instanceof String)) {
            err.println("tandem: the engine's answer to " + verb + " is not understood: " + lines);
            return TandemMain.EXIT_FAILURE;
        }
        final String message = "tandem: " + answer.get("message");
        if (Boolean.TRUE.equals(answer.get("ok"))) {
            out.println(message);
            out.flush();
            return TandemMain.EXIT_OK;
        }
        err.println(message);
        return TandemMain.EXIT_FAILURE;
    }
}
