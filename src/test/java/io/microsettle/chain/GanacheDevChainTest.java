package io.microsettle.chain;

/** The chain feature on Ganache, the default dev chain. */
class GanacheDevChainTest extends AbstractDevChainTest {
    @Override
    DevChain.Kind kind() {
        return DevChain.Kind.GANACHE;
    }
}
