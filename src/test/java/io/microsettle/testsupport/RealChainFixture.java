package io.microsettle.testsupport;

import io.microsettle.chain.ContractDeployer;
import io.microsettle.chain.Deployment;
import io.microsettle.chain.DevChain;
import io.microsettle.chain.EscrowLimits;
import io.microsettle.security.DevKeys;
import org.jose4j.jwk.EcJwkGenerator;
import org.jose4j.jwk.EllipticCurveJsonWebKey;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.keys.EllipticCurves;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Wallet;
import org.web3j.protocol.ObjectMapperFactory;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.List;

/**
 * A chain that is not a local dev chain, set up as production would be: Anvil with chain id {@value #CHAIN_ID}, the
 * contracts deployed there by the test with fresh keys (none of the public dev mnemonic), the settler's and
 * anchorer's keys as web3j wallet files, the callers' public key as a PEM file and a verifier's JWKS file.
 */
public final class RealChainFixture implements AutoCloseable {
    public static final long CHAIN_ID = 8453;
    public static final String KEYSTORE_PASSWORD = "it-keystore-password";

    public final DevChain chain;
    public final Deployment deployment;
    public final Path settlerKeystore;
    public final Path anchorerKeystore;
    /** The callers' public key (PEM); {@link #callerKey()} signs their tokens. */
    public final Path callerPublicKey;
    public final Path verifierJwks;
    private final Path callerKeys;

    public RealChainFixture(Path dir) throws Exception {
        chain = DevChain.Options.builder(DevChain.Kind.ANVIL, ServiceFixtures.contractsDir(), dir.resolve("anvil"))
                .chainId(CHAIN_ID).start();
        try {
            Credentials deployer = Credentials.create(Keys.createEcKeyPair());
            Credentials settler = Credentials.create(Keys.createEcKeyPair());
            Credentials anchorer = Credentials.create(Keys.createEcKeyPair());
            Credentials treasury = Credentials.create(Keys.createEcKeyPair());
            HttpService http = new HttpService(chain.rpcUrl());
            Web3j web3j = Web3j.build(http);
            for (Credentials c : List.of(deployer, settler, anchorer)) {
                // 100 ETH for gas (an Anvil method: no dev account pays it)
                new Request<>("anvil_setBalance", List.of(c.getAddress(), "0x56bc75e2d63100000"), http, VoidResponse.class).send();
            }
            ContractDeployer d = new ContractDeployer(web3j, deployer, CHAIN_ID, dir.resolve("deployment"));
            deployment = d.deployOrReuse(new ContractDeployer.Roles(treasury.getAddress(), List.of(settler.getAddress()),
                    List.of(deployer.getAddress()), List.of(anchorer.getAddress())), EscrowLimits.devDefaults());
            web3j.shutdown();
            settlerKeystore = keystore(dir, "settler", settler);
            anchorerKeystore = keystore(dir, "anchorer", anchorer);
            callerKeys = dir.resolve("callers");
            callerPublicKey = DevKeys.ensure(callerKeys).toAbsolutePath();
            verifierJwks = verifierJwks(dir);
        } catch (Exception | Error e) {
            chain.close();
            throw e;
        }
    }

    public PrivateKey callerKey() {
        return DevKeys.privateKey(callerKeys);
    }

    static Path keystore(Path dir, String name, Credentials key) throws Exception {
        Path file = dir.resolve(name + ".json").toAbsolutePath();
        ObjectMapperFactory.getObjectMapper().writeValue(file.toFile(), Wallet.createLight(KEYSTORE_PASSWORD, key.getEcKeyPair()));
        return file;
    }

    static Path verifierJwks(Path dir) throws Exception {
        EllipticCurveJsonWebKey key = EcJwkGenerator.generateJwk(EllipticCurves.P256);
        key.setKeyId("kyc-1");
        key.setAlgorithm("ES256");
        Path file = dir.resolve("verifiers.jwks.json").toAbsolutePath();
        Files.writeString(file, new JsonWebKeySet(key).toJson(JsonWebKey.OutputControlLevel.PUBLIC_ONLY));
        return file;
    }

    @Override
    public void close() {
        chain.close();
    }
}
