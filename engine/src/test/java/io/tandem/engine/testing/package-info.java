/** Test helpers shared by the engine's tests. */
package io.tandem.engine.testing;
