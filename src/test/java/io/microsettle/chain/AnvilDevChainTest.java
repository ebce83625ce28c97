package io.microsettle.chain;

/** The chain feature on Anvil. */
class AnvilDevChainTest extends AbstractDevChainTest {
    @Override
    DevChain.Kind kind() {
        return DevChain.Kind.ANVIL;
    }
}
