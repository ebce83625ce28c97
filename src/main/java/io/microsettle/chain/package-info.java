/**
 * The chain feature: the dev chain, the dev keys, contract deployment, EIP-1559 fees, and its configuration.
 *
 * <ul>
 *   <li>{@link io.microsettle.chain.DevChain} starts Ganache (default) or Anvil from {@code contracts/node_modules}
 *       on a free loopback port (chain id 1337), persists its state under a data dir, stops on
 *       {@code close()} and at JVM exit.</li>
 *   <li>{@link io.microsettle.chain.DevAccounts} derives the role keys from the dev mnemonic
 *       (0 deployer/admin, 1 settler, 2 demo funder, 3 treasury, 4 anchorer).</li>
 *   <li>{@link io.microsettle.chain.ContractDeployer} deploys TestStablecoin and SettlementEscrow, grants the
 *       roles, records {@code deployment.json} under the data dir and reuses it after checking code and genesis
 *       hash; {@code fundFunder} mints, approves and deposits for a funder on a dev chain.</li>
 *   <li>{@link io.microsettle.chain.EscrowLimits}: the escrow's constructor values (caps, notice period, admin
 *       delay), checked against the contract's bounds.</li>
 *   <li>{@link io.microsettle.chain.EscrowCapacity}: the escrow's {@code settlementCapacity()} view and the rule
 *       that refuses a planned batch certain to revert on the pause flag or a cap; {@code ChainClient.escrowCapacity()}
 *       reads it, {@code ChainClient.escrowReader()} gives the wrapper for the other views.</li>
 *   <li>{@link io.microsettle.chain.Eip1559GasProvider}: fees from the latest base fee, gas from
 *       {@code eth_estimateGas} (the deployer's and the admin's transactions).</li>
 *   <li>{@link io.microsettle.chain.CallGas}: a settlement batch's gas, from one {@code eth_simulateV1} run checked at
 *       its limit, or {@code eth_estimateGas} where the node has no simulation.</li>
 *   <li>{@link io.microsettle.chain.ChainConfig}: {@code microsettle.chain.*}.</li>
 * </ul>
 *
 * <p>The contract wrappers ({@code io.microsettle.chain.contracts.SettlementEscrow}, {@code TestStablecoin}) are
 * generated at build time from {@code target/contracts/*.abi|bin} into {@code target/generated-sources/web3j}
 * and never committed. Everything here except {@code ChainConfig} is plain Java without a framework.
 *
 * <pre>{@code
 * DevAccounts accounts = DevAccounts.defaults();
 * try (DevChain chain = DevChain.Options.builder(DevChain.Kind.GANACHE, Path.of("contracts"), Path.of("data/chain"))
 *         .start()) {
 *     Web3j web3j = Web3j.build(new HttpService(chain.rpcUrl()));
 *     ContractDeployer deployer = new ContractDeployer(web3j, accounts.deployer(), chain.chainId(), chain.dataDir());
 *     Deployment d = deployer.deployOrReuse(ContractDeployer.Roles.of(accounts), EscrowLimits.devDefaults());
 *     deployer.fundFunder(d, accounts.funder(), BigInteger.valueOf(1_000_000_000_000L));
 * }
 * }</pre>
 */
package io.microsettle.chain;
