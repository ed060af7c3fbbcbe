/**
 * Interfaces that come and go: {@link io.tandem.engine.links.LinkWatcher} listens to the kernel's
 * link events (rtnetlink, {@code RTMGRP_LINK}) and has the rules' {@code on IF} names resolved again
 * when a link appears, goes or is renamed, so a rule never keeps an interface index that is gone or
 * misses one that arrived after start.
 */
package io.tandem.engine.links;
