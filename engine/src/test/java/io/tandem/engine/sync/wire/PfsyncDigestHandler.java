package io.tandem.engine.sync.wire;

/**
 * Allocation-free handler that reads every field of every record it gets and folds them into a
 * digest: used by the fuzz target (all accessors must stay in bounds) and the allocation test.
 */
final class PfsyncDigestHandler implements PfsyncRecordHandler {
    long digest;
    int records;
    private final StringBuilder name = new StringBuilder(64);

    private void mix(final long value) {
        digest = digest * 31 + value;
    }

    private void peer(final PfsyncStatePeerFlyweight p) {
        mix(p.pfssFlags());
        mix(p.pfssTtl());
        mix(p.scrubFlag());
        mix(p.pfssTsMod());
        mix(p.seqlo());
        mix(p.seqhi());
        mix(p.seqdiff());
        mix(p.maxWin());
        mix(p.mss());
        mix(p.state());
        mix(p.wscale());
    }

    private void key(final PfsyncStateKeyFlyweight k) {
        for (int slot = 0; slot < 2; slot++) {
            mix(k.addrHi(slot));
            mix(k.addrLo(slot));
            mix(k.addrIpv4(slot));
            mix(k.port(slot));
        }
    }

    @Override
    public void onClr(final PfsyncClrFlyweight clr) {
        records++;
        mix(clr.creatorid());
        mix(clr.ifnameLength());
        mix(clr.ifnameEquals("all") ? 1 : 0);
    }

    @Override
    public void onState(final int action, final int format, final PfsyncStateRecord s) {
        records++;
        mix(action);
        mix(format);
        mix(s.length());
        mix(s.id());
        mix(s.getIfname(name).length());
        mix(s.ifnameEquals("em0") ? 1 : 0);
        key(s.wireKey());
        key(s.stackKey());
        peer(s.src());
        peer(s.dst());
        mix(s.rtAddrHi());
        mix(s.rtAddrLo());
        mix(s.rule());
        mix(s.anchor());
        mix(s.natRule());
        mix(s.creation());
        mix(s.expire());
        mix(s.packets(0));
        mix(s.packets(1));
        mix(s.bytes(0));
        mix(s.bytes(1));
        mix(s.creatorid());
        mix(s.af());
        mix(s.proto());
        mix(s.direction());
        mix(s.stateFlags());
        mix(s.log());
        mix(s.timeout());
        if (s instanceof PfsyncState1301Flyweight) {
            final PfsyncState1301Flyweight f = (PfsyncState1301Flyweight) s;
            mix(f.syncFlags());
            mix(f.updates());
        } else if (s instanceof PfsyncState1400Flyweight) {
            final PfsyncState1400Flyweight f = (PfsyncState1400Flyweight) s;
            mix(f.syncFlags() + f.updates() + f.qid() + f.pqid() + f.dnpipe() + f.dnrpipe() + f.rtableid());
            mix(f.minTtl() + f.setTos() + f.maxMss() + f.setPrio(0) + f.setPrio(1) + f.rt());
            mix(f.getRtIfname(name).length());
        } else {
            final PfsyncState1500Flyweight f = (PfsyncState1500Flyweight) s;
            mix(f.getTagname(name).length());
            mix(f.getRtIfname(name).length());
            mix(f.getOrigIfname(name).length());
            mix(f.rtableid() + f.qid() + f.pqid() + f.dnpipe() + f.dnrpipe() + f.maxMss());
            mix(f.stackAf() + f.rtAf() + f.stackProto() + f.rt() + f.minTtl() + f.setTos());
            mix(f.setPrio(0) + f.setPrio(1));
        }
    }

    @Override
    public void onInsAck(final long id, final int creatorid) {
        records++;
        mix(id);
        mix(creatorid);
    }

    @Override
    public void onUpdC(final PfsyncUpdCFlyweight u) {
        records++;
        mix(u.id());
        peer(u.src());
        peer(u.dst());
        mix(u.creatorid());
        mix(u.expire());
        mix(u.timeout());
    }

    @Override
    public void onUpdReq(final long id, final int creatorid) {
        records++;
        mix(id ^ 0x55);
        mix(creatorid);
    }

    @Override
    public void onDelC(final long id, final int creatorid) {
        records++;
        mix(id ^ 0x77);
        mix(creatorid);
    }

    @Override
    public void onBus(final int creatorid, final long endtime, final int status) {
        records++;
        mix(creatorid);
        mix(endtime);
        mix(status);
    }
}
