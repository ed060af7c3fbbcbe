/**
 * The engine as a systemd service: {@link io.tandem.engine.service.SystemdNotifier} speaks the
 * {@code sd_notify(3)} protocol — READY=1 once the queue is bound and the threads run, WATCHDOG=1 while
 * every agent thread still completes its duty cycles, STOPPING=1 at stop — over
 * {@code $NOTIFY_SOCKET}, and does nothing when the engine was not started by systemd. The unit that
 * uses it is {@code deploy/tandem.service} ({@code Type=notify}, {@code WatchdogSec=}); see
 * docs/operations.md.
 */
package io.tandem.engine.service;
