package io.tandem.engine.sync.wire;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the checked-in seed inputs of {@link PfsyncFrameDecoderFuzzTest}: frames produced by the
 * encoder plus a truncated one. Run from the engine module:
 * {@code java --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED -cp target/test-classes:target/classes:<agrona> io.tandem.engine.sync.wire.PfsyncFrameDecoderFuzzSeeds
 * src/test/resources/io/tandem/engine/sync/wire/PfsyncFrameDecoderFuzzTestInputs/decode}.
 */
final class PfsyncFrameDecoderFuzzSeeds {
    private PfsyncFrameDecoderFuzzSeeds() {
    }

    static Map<String, byte[]> seeds() {
        final Map<String, byte[]> seeds = new LinkedHashMap<>();
        final PfsyncFrameEncoder e = new PfsyncFrameEncoder(1500);
        final PfsyncStateValues tcp = PfsyncTestSupport.ipv4Tcp();
        final PfsyncStateValues udp = PfsyncTestSupport.ipv6Udp();

        e.beginFrame().beginSection(PfsyncConstants.ACT_INS).appendState1301(tcp);
        e.appendState1301(udp);
        e.finish();
        seeds.put("ins_1301_ipv4_ipv6", PfsyncTestSupport.frame(e));
        seeds.put("ins_1301_truncated", Arrays.copyOf(PfsyncTestSupport.frame(e), 150));

        e.beginFrame();
        e.beginSection(PfsyncConstants.ACT_INS_ACK).appendInsAck(1, 0x0A0B0C0D);
        e.beginSection(PfsyncConstants.ACT_UPD_C).appendUpdC(tcp);
        e.beginSection(PfsyncConstants.ACT_DEL_C).appendDelC(42, 0x0A0B0C0D);
        e.beginSection(PfsyncConstants.ACT_UPD_REQ).appendUpdReq(0, 0);
        e.beginSection(PfsyncConstants.ACT_CLR).appendClr("em0", 0x0A0B0C0D);
        e.beginSection(PfsyncConstants.ACT_BUS).appendBus(0x0A0B0C0D, 3, PfsyncConstants.PFSYNC_BUS_END);
        e.finish();
        seeds.put("all_small_sections", PfsyncTestSupport.frame(e));

        e.beginFrame().beginSection(PfsyncConstants.ACT_UPD_1400).appendState1400(tcp);
        e.finish();
        seeds.put("upd_1400", PfsyncTestSupport.frame(e));

        e.beginFrame().beginSection(PfsyncConstants.ACT_UPD_1500).appendState1500(udp);
        e.finish();
        seeds.put("upd_1500", PfsyncTestSupport.frame(e));

        seeds.put("del_tdb_trailing", PfsyncTestSupport.hex(
            "05 00 00 60 00*16  06 00 00 00  0b 00 00 01 00*48  07 00 00 01 00*7 2a 0a 0b 0c 0d  0c 00 00 01 ee*48"));
        return seeds;
    }

    public static void main(final String[] args) throws IOException {
        final Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (final Map.Entry<String, byte[]> seed : seeds().entrySet()) {
            Files.write(dir.resolve(seed.getKey()), seed.getValue());
        }
    }
}
