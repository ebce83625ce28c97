package io.microsettle.chain;

import java.time.Instant;

/**
 * What {@link ContractDeployer} deployed (or found) on a chain; persisted as {@code deployment.json} under the
 * data dir. Addresses are EIP-55 checksummed.
 *
 * @param chainId     the chain's id
 * @param genesisHash hash of block 0, to tell a new chain from a restarted one
 * @param token       TestStablecoin address
 * @param escrow      SettlementEscrow address
 * @param deployedAt  when the contracts were deployed
 * @param reused      true when this call found a valid earlier deployment instead of deploying (not persisted)
 */
public record Deployment(long chainId, String genesisHash, String token, String escrow, Instant deployedAt,
                         boolean reused) {

    Deployment asReused() {
        return new Deployment(chainId, genesisHash, token, escrow, deployedAt, true);
    }
}
