/**
 * Raw netlink: the socket ({@link io.tandem.nativeio.netlink.NetlinkSocket}), batched receive into preallocated
 * off-heap slots ({@link io.tandem.nativeio.netlink.RecvmmsgBatch}) and flyweights over the generic netlink structs
 * ({@code nlmsghdr}, {@code nfgenmsg}, {@code nlattr}, {@code nlmsgerr}, {@code sockaddr_nl}).
 *
 * <p>Byte order: every netlink header field ({@code nlmsghdr}, {@code nla_len}/{@code nla_type},
 * {@code nlmsgerr.error}) is host order, read with {@link java.nio.ByteOrder#nativeOrder()}; {@code res_id} in
 * {@code nfgenmsg} and every nfqueue value are big-endian. Each flyweight states the order on every access.
 */
package io.tandem.nativeio.netlink;
