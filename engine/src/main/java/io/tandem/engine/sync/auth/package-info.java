/**
 * Optional pfsync frame authentication, our extension (spec W.12; docs/pfsync-auth.md): a 48-byte
 * trailer after the EOF subheader carrying a key id, the sender's creatorid, a sequence number and
 * an HMAC-SHA-256 tag. Only Tandem nodes understand it; a FreeBSD peer counts {@code badlen} on
 * every such frame, so authentication and FreeBSD peers exclude each other.
 *
 * <p>Theory of operation. {@link io.tandem.engine.sync.auth.ClusterKeyFile} reads the cluster key
 * file once at start-up (one key to send with, optionally a second one also accepted during a
 * rotation). {@link io.tandem.engine.sync.auth.FrameAuthenticator}, owned by the sync thread,
 * signs each outgoing frame after {@code PfsyncFrameEncoder.finish()} and verifies each incoming
 * frame before {@code PfsyncFrameDecoder} sees it, in the order of W.12: trailer length, version,
 * algorithm, key id, tag (constant time), replay window. The result is an
 * {@link io.tandem.engine.sync.auth.AuthResult}; every rejection is a {@code badauth} for the
 * caller, which then decodes only the first {@code len} bytes. The trailer layout is
 * {@link io.tandem.engine.sync.auth.PfsyncAuthTrailerFlyweight}.
 *
 * <p>Receive path, as the sync agent is expected to drive it: interface and TTL checks; header
 * checks ({@code hdrops}, {@code badver}, IP payload shorter than {@code len} → {@code badlen});
 * {@code verify(buf, off, ipPayloadLength, len, nowMillis)}; if not {@code accepted()},
 * {@code badauth++} and drop; else {@code decode(buf, off, len, handler)}.
 *
 * <p>Ownership and memory: everything is sized at construction (two HMAC states, a 64-sender
 * replay table, a few scratch arrays); signing and verifying allocate nothing and never throw on
 * received bytes. Key-file errors are configuration errors and throw
 * {@link io.tandem.engine.sync.auth.ClusterKeyFileException} with a {@code FILE:LINE:} message.
 */
package io.tandem.engine.sync.auth;
