/**
 * Raw IPv4 transport for pfsync (spec W.2): {@link io.tandem.nativeio.ipraw.RawIpSocket} sends frames of one IP
 * protocol (240) with the pfsync header template (TTL 255, TOS 0x10, DF, multicast TTL 255, loopback off) and
 * receives them, one at a time or in batches through {@link io.tandem.nativeio.ipraw.RawIpReceiveBatch};
 * {@link io.tandem.nativeio.ipraw.IpPacketInfo} reads the IPv4 header and the {@code IP_PKTINFO} arrival interface
 * the receive path needs for the {@code badif} and {@code badttl} checks. {@link io.tandem.nativeio.ipraw.RawIp6Socket}
 * is the IPv6 counterpart (FreeBSD 14+'s pfsync over IPv6: hop limit 255, {@code ff12::f0}); it receives payloads
 * without the IPv6 header and reports the arrival interface and hop limit from {@code IPV6_PKTINFO} and
 * {@code IPV6_HOPLIMIT}; {@link io.tandem.nativeio.ipraw.Ipv6Address} parses its addresses.
 *
 * <p>Flyweights over the native structs: {@code sockaddr_in}, {@code ip_mreqn}, {@code cmsghdr},
 * {@code in_pktinfo}, {@code sockaddr_in6} (and the {@code ipv6_mreq}/{@code in6_pktinfo} offsets in
 * {@code RawIp6Socket}); their layouts are checked against the C headers by a test. {@code msghdr}, {@code iovec} and
 * {@code mmsghdr} reuse the checked layout constants of {@link io.tandem.nativeio.libc.ReceiveBatch}.
 *
 * <p>Addresses: an IPv4 address is an {@code int} with the first octet in the most significant byte
 * ({@link io.tandem.nativeio.ipraw.Ipv4Address}); flyweights store it big-endian. Memory rule as for the whole tree:
 * setup throws {@link io.tandem.nativeio.libc.NativeException}; send, receive and poll return a negative errno, never
 * throw and allocate nothing once warm. Sends use {@code sendmsg}, never {@code sendto} (see
 * {@link io.tandem.nativeio.libc.LibC#sendto}).
 */
package io.tandem.nativeio.ipraw;
