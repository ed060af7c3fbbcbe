package io.tandem.engine.packet;

/**
 * What one PacketAgent needs to know at start: the queue and how to bind it, where to run, and the
 * policy for packets that fail to decode. Built once from the configuration file and the command
 * line; immutable.
 *
 * @param queue          NFQUEUE number (0..65535)
 * @param cpu            CPU to pin the packet thread to, or -1 for no pinning
 * @param copyRange      bytes of each packet copied to user space
 * @param queueMaxLength kernel queue length
 * @param failOpen       ask the kernel to accept packets when the queue or socket is full
 * @param gso            ask for GSO super-packets instead of segments
 * @param receiveBuffer  requested socket receive buffer, bytes
 * @param batchSize      messages per recvmmsg call
 * @param batchVerdicts  VERDICT_BATCH for runs of equal verdicts (else one VERDICT per packet)
 * @param acceptMalformed verdict for packets that fail to decode: accept (true) or drop (false)
 * @param busyPollMicros how long the thread keeps polling, without sleeping, after its last work
 *                       ({@code set busy-poll}; 0: it sleeps as soon as the queue is empty)
 * @param netns          network namespace (a name under /run/netns) the packet thread enters before
 *                       opening its socket, or null to stay where the process is
 */
public record PacketAgentSettings(
        int queue,
        int cpu,
        int copyRange,
        int queueMaxLength,
        boolean failOpen,
        boolean gso,
        int receiveBuffer,
        int batchSize,
        boolean batchVerdicts,
        boolean acceptMalformed,
        int busyPollMicros,
        String netns) {

    public PacketAgentSettings {
        if (queue < 0 || queue > 65535) {
            throw new IllegalArgumentException("queue " + queue + " out of range 0..65535");
        }
        if (batchSize < 1 || batchSize > 1024) {
            throw new IllegalArgumentException("batch " + batchSize + " out of range 1..1024");
        }
        if (busyPollMicros < 0 || busyPollMicros > 1_000_000) {
            throw new IllegalArgumentException("busy-poll " + busyPollMicros + " out of range 0..1000000");
        }
    }

    /**
     * The settings of the {@code index}-th queue of a {@code set queue FIRST:LAST} range: queue FIRST+index,
     * pinned (when {@code set cpu N}) to CPU N+index.
     */
    public PacketAgentSettings forQueueIndex(final int index) {
        return new PacketAgentSettings(queue + index, cpu < 0 ? cpu : cpu + index, copyRange, queueMaxLength,
                failOpen, gso, receiveBuffer, batchSize, batchVerdicts, acceptMalformed, busyPollMicros, netns);
    }

    /** The same settings unpinned and in the process's own namespace: the warm-up's scratch agents'. */
    public PacketAgentSettings unplaced() {
        return new PacketAgentSettings(queue, -1, copyRange, queueMaxLength, failOpen, gso, receiveBuffer,
                batchSize, batchVerdicts, acceptMalformed, busyPollMicros, null);
    }

    /** The same settings in another network namespace (tests run the agent inside the lab). */
    public PacketAgentSettings inNamespace(final String namespace) {
        return new PacketAgentSettings(queue, cpu, copyRange, queueMaxLength, failOpen, gso, receiveBuffer,
                batchSize, batchVerdicts, acceptMalformed, busyPollMicros, namespace);
    }
}
