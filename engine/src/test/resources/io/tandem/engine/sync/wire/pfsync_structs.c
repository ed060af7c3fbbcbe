/*
 * Independent C declaration of FreeBSD's pfsync v5 wire structs, written from the layouts in
 * shared/spec/pfsync-v5-and-state.md (A.4) and freebsd-pfsync-facts.md (section 1), for
 * PfsyncStructLayoutTest. Prints "SIZE <struct> <n>" and "OFF <struct>.<field> <offset>".
 * All structs are packed, as in if_pfsync.h; pfsync_state_key is naturally aligned (36 bytes).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PACKED __attribute__((packed))

struct pf_addr {
    union {
        uint8_t addr8[16];
        uint16_t addr16[8];
        uint32_t addr32[4];
    } pfa;
};

struct pfsync_header {
    uint8_t version;
    uint8_t _pad;
    uint16_t len;
    uint8_t pfcksum[16];
} PACKED;

struct pfsync_subheader {
    uint8_t action;
    uint8_t _pad;
    uint16_t count;
} PACKED;

struct pfsync_clr {
    char ifname[16];
    uint32_t creatorid;
} PACKED;

struct pfsync_ins_ack {
    uint64_t id;
    uint32_t creatorid;
} PACKED;

struct pfsync_upd_req {
    uint64_t id;
    uint32_t creatorid;
} PACKED;

struct pfsync_del_c {
    uint64_t id;
    uint32_t creatorid;
} PACKED;

struct pfsync_bus {
    uint32_t creatorid;
    uint32_t endtime;
    uint8_t status;
    uint8_t _pad[3];
} PACKED;

struct pfsync_state_scrub {
    uint16_t pfss_flags;
    uint8_t pfss_ttl;
    uint8_t scrub_flag;
    uint32_t pfss_ts_mod;
} PACKED;

struct pfsync_state_peer {
    struct pfsync_state_scrub scrub;
    uint32_t seqlo;
    uint32_t seqhi;
    uint32_t seqdiff;
    uint16_t max_win;
    uint16_t mss;
    uint8_t state;
    uint8_t wscale;
    uint8_t pad[6];
} PACKED;

struct pfsync_upd_c {
    uint64_t id;
    struct pfsync_state_peer src;
    struct pfsync_state_peer dst;
    uint32_t creatorid;
    uint32_t expire;
    uint8_t timeout;
    uint8_t _pad[3];
} PACKED;

struct pfsync_state_key {
    struct pf_addr addr[2];
    uint16_t port[2];
};

struct pfsync_state_1301 {
    uint64_t id;
    char ifname[16];
    struct pfsync_state_key key[2];
    struct pfsync_state_peer src;
    struct pfsync_state_peer dst;
    struct pf_addr rt_addr;
    uint32_t rule;
    uint32_t anchor;
    uint32_t nat_rule;
    uint32_t creation;
    uint32_t expire;
    uint32_t packets[2][2];
    uint32_t bytes[2][2];
    uint32_t creatorid;
    uint8_t af;            /* sa_family_t: 1 byte on FreeBSD */
    uint8_t proto;
    uint8_t direction;
    uint8_t __spare[2];
    uint8_t log;
    uint8_t state_flags;
    uint8_t timeout;
    uint8_t sync_flags;
    uint8_t updates;
} PACKED;

struct pfsync_state_1400 {
    uint64_t id;
    char ifname[16];
    struct pfsync_state_key key[2];
    struct pfsync_state_peer src;
    struct pfsync_state_peer dst;
    struct pf_addr rt_addr;
    uint32_t rule;
    uint32_t anchor;
    uint32_t nat_rule;
    uint32_t creation;
    uint32_t expire;
    uint32_t packets[2][2];
    uint32_t bytes[2][2];
    uint32_t creatorid;
    uint8_t af;
    uint8_t proto;
    uint8_t direction;
    uint16_t state_flags;
    uint8_t log;
    uint8_t __spare;
    uint8_t timeout;
    uint8_t sync_flags;
    uint8_t updates;
    uint16_t qid;
    uint16_t pqid;
    uint16_t dnpipe;
    uint16_t dnrpipe;
    int32_t rtableid;
    uint8_t min_ttl;
    uint8_t set_tos;
    uint16_t max_mss;
    uint8_t set_prio[2];
    uint8_t rt;
    char rt_ifname[16];
} PACKED;

struct pfsync_state_1500 {
    uint64_t id;
    char ifname[16];
    struct pfsync_state_key key[2];
    struct pfsync_state_peer src;
    struct pfsync_state_peer dst;
    struct pf_addr rt_addr;
    uint32_t rule;
    uint32_t anchor;
    uint32_t nat_rule;
    uint32_t creation;
    uint32_t expire;
    uint32_t packets[2][2];
    uint32_t bytes[2][2];
    uint32_t creatorid;
    char tagname[64];
    char rt_ifname[16];
    char orig_ifname[16];
    int32_t rtableid;
    uint16_t state_flags;
    uint16_t qid;
    uint16_t pqid;
    uint16_t dnpipe;
    uint16_t dnrpipe;
    uint16_t max_mss;
    uint8_t wire_af;
    uint8_t stack_af;
    uint8_t rt_af;
    uint8_t wire_proto;
    uint8_t stack_proto;
    uint8_t log;
    uint8_t timeout;
    uint8_t direction;
    uint8_t rt;
    uint8_t min_ttl;
    uint8_t set_tos;
    uint8_t set_prio[2];
    uint8_t spare[3];
} PACKED;

#define SIZE(s) printf("SIZE %s %zu\n", #s, sizeof(struct s))
#define OFF(s, f) printf("OFF %s.%s %zu\n", #s, #f, offsetof(struct s, f))

#define STATE_HEAD(s) \
    OFF(s, id); OFF(s, ifname); OFF(s, key[0]); OFF(s, key[1]); OFF(s, src); OFF(s, dst); \
    OFF(s, rt_addr); OFF(s, rule); OFF(s, anchor); OFF(s, nat_rule); OFF(s, creation); OFF(s, expire); \
    OFF(s, packets); OFF(s, bytes); OFF(s, creatorid)

int main(void) {
    SIZE(pf_addr);
    SIZE(pfsync_header);
    OFF(pfsync_header, version); OFF(pfsync_header, _pad); OFF(pfsync_header, len); OFF(pfsync_header, pfcksum);
    SIZE(pfsync_subheader);
    OFF(pfsync_subheader, action); OFF(pfsync_subheader, _pad); OFF(pfsync_subheader, count);
    SIZE(pfsync_clr);
    OFF(pfsync_clr, ifname); OFF(pfsync_clr, creatorid);
    SIZE(pfsync_ins_ack);
    OFF(pfsync_ins_ack, id); OFF(pfsync_ins_ack, creatorid);
    SIZE(pfsync_upd_req);
    OFF(pfsync_upd_req, id); OFF(pfsync_upd_req, creatorid);
    SIZE(pfsync_del_c);
    OFF(pfsync_del_c, id); OFF(pfsync_del_c, creatorid);
    SIZE(pfsync_bus);
    OFF(pfsync_bus, creatorid); OFF(pfsync_bus, endtime); OFF(pfsync_bus, status); OFF(pfsync_bus, _pad);
    SIZE(pfsync_state_scrub);
    SIZE(pfsync_state_peer);
    OFF(pfsync_state_peer, scrub); OFF(pfsync_state_peer, scrub.pfss_flags); OFF(pfsync_state_peer, scrub.pfss_ttl);
    OFF(pfsync_state_peer, scrub.scrub_flag); OFF(pfsync_state_peer, scrub.pfss_ts_mod);
    OFF(pfsync_state_peer, seqlo); OFF(pfsync_state_peer, seqhi); OFF(pfsync_state_peer, seqdiff);
    OFF(pfsync_state_peer, max_win); OFF(pfsync_state_peer, mss); OFF(pfsync_state_peer, state);
    OFF(pfsync_state_peer, wscale); OFF(pfsync_state_peer, pad);
    SIZE(pfsync_upd_c);
    OFF(pfsync_upd_c, id); OFF(pfsync_upd_c, src); OFF(pfsync_upd_c, dst); OFF(pfsync_upd_c, creatorid);
    OFF(pfsync_upd_c, expire); OFF(pfsync_upd_c, timeout); OFF(pfsync_upd_c, _pad);
    SIZE(pfsync_state_key);
    OFF(pfsync_state_key, addr[0]); OFF(pfsync_state_key, addr[1]); OFF(pfsync_state_key, port[0]);
    OFF(pfsync_state_key, port[1]);

    SIZE(pfsync_state_1301);
    STATE_HEAD(pfsync_state_1301);
    OFF(pfsync_state_1301, af); OFF(pfsync_state_1301, proto); OFF(pfsync_state_1301, direction);
    OFF(pfsync_state_1301, __spare); OFF(pfsync_state_1301, log); OFF(pfsync_state_1301, state_flags);
    OFF(pfsync_state_1301, timeout); OFF(pfsync_state_1301, sync_flags); OFF(pfsync_state_1301, updates);

    SIZE(pfsync_state_1400);
    STATE_HEAD(pfsync_state_1400);
    OFF(pfsync_state_1400, af); OFF(pfsync_state_1400, proto); OFF(pfsync_state_1400, direction);
    OFF(pfsync_state_1400, state_flags); OFF(pfsync_state_1400, log); OFF(pfsync_state_1400, __spare);
    OFF(pfsync_state_1400, timeout); OFF(pfsync_state_1400, sync_flags); OFF(pfsync_state_1400, updates);
    OFF(pfsync_state_1400, qid); OFF(pfsync_state_1400, pqid); OFF(pfsync_state_1400, dnpipe);
    OFF(pfsync_state_1400, dnrpipe); OFF(pfsync_state_1400, rtableid); OFF(pfsync_state_1400, min_ttl);
    OFF(pfsync_state_1400, set_tos); OFF(pfsync_state_1400, max_mss); OFF(pfsync_state_1400, set_prio);
    OFF(pfsync_state_1400, rt); OFF(pfsync_state_1400, rt_ifname);

    SIZE(pfsync_state_1500);
    STATE_HEAD(pfsync_state_1500);
    OFF(pfsync_state_1500, tagname); OFF(pfsync_state_1500, rt_ifname); OFF(pfsync_state_1500, orig_ifname);
    OFF(pfsync_state_1500, rtableid); OFF(pfsync_state_1500, state_flags); OFF(pfsync_state_1500, qid);
    OFF(pfsync_state_1500, pqid); OFF(pfsync_state_1500, dnpipe); OFF(pfsync_state_1500, dnrpipe);
    OFF(pfsync_state_1500, max_mss); OFF(pfsync_state_1500, wire_af); OFF(pfsync_state_1500, stack_af);
    OFF(pfsync_state_1500, rt_af); OFF(pfsync_state_1500, wire_proto); OFF(pfsync_state_1500, stack_proto);
    OFF(pfsync_state_1500, log); OFF(pfsync_state_1500, timeout); OFF(pfsync_state_1500, direction);
    OFF(pfsync_state_1500, rt); OFF(pfsync_state_1500, min_ttl); OFF(pfsync_state_1500, set_tos);
    OFF(pfsync_state_1500, set_prio); OFF(pfsync_state_1500, spare);
    return 0;
}
