/**
 * The last step of the packet path: turning decisions into VERDICT and VERDICT_BATCH messages and
 * sending them to the kernel with as few system calls as possible.
 */
package io.tandem.engine.verdict;
