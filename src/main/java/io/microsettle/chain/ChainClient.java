package io.microsettle.chain;

import io.microsettle.account.Addresses;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.http.HttpService;

/**
 * The chain as the rest of the service sees it. First version: reads configuration only
 * (the chain feature replaces it with the dev chain / deployer wiring).
 */
@ApplicationScoped
public class ChainClient {
    @ConfigProperty(name = "microsettle.chain.chain-id", defaultValue = "1337")
    long chainId;
    @ConfigProperty(name = "microsettle.chain.escrow-address", defaultValue = Addresses.ZERO)
    String escrowAddress;
    @ConfigProperty(name = "microsettle.chain.token-address", defaultValue = Addresses.ZERO)
    String tokenAddress;
    @ConfigProperty(name = "microsettle.chain.token-decimals", defaultValue = "6")
    int tokenDecimals;
    @ConfigProperty(name = "microsettle.chain.rpc-url", defaultValue = "http://127.0.0.1:8545")
    String rpcUrl;

    private volatile Web3j web3j;

    public long chainId() { return chainId; }

    /** The escrow contract, EIP-55. */
    public String escrowAddress() { return Addresses.normalize(escrowAddress, "microsettle.chain.escrow-address"); }

    public String tokenAddress() { return Addresses.normalize(tokenAddress, "microsettle.chain.token-address"); }

    public int tokenDecimals() { return tokenDecimals; }

    public Web3j web3j() {
        Web3j w = web3j;
        if (w == null) {
            synchronized (this) {
                if (web3j == null) web3j = Web3j.build(new HttpService(rpcUrl));
                w = web3j;
            }
        }
        return w;
    }

    public Credentials settler() {
        throw new IllegalStateException("no settler key in this configuration-only ChainClient");
    }
}
