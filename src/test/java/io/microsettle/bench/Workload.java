package io.microsettle.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.microsettle.account.DevVerifier;
import io.microsettle.account.VerificationLevel;
import io.microsettle.testsupport.Wallets;
import org.web3j.crypto.ECKeyPair;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * What an integrator does before and during the load: accounts with a wallet each (bound with a FULL
 * verification token minted as {@code ./microsettle verification-token} does), credits in 1,000-item requests,
 * quotes, and the wallets' EIP-712 signatures over the quotes' {@code typedData} (web3j, as a user's wallet).
 */
final class Workload {
    /** Verification tokens live this long (the dev verifier's own limit is a day). */
    static final long VERIFICATION_TTL_SECONDS = 3600;

    /** A user account and its wallet key; its destination is its own wallet, so no two accounts share one. */
    record Account(String id, String externalRef, ECKeyPair key) {}

    private Workload() {}

    /** Creates and verifies {@code n} accounts over HTTP with {@code workers} clients; fails on any refusal. */
    static List<Account> createAccounts(LoadClient client, Path keysDir, String prefix, int n, int workers) {
        ECKeyPair[] keys = IntStream.range(0, n).parallel().mapToObj(i -> Wallets.newKey()).toArray(ECKeyPair[]::new);
        Account[] accounts = new Account[n];
        LoadRun.Result r = LoadRun.run(workers, n, 3_600_000L, i -> {
            String ref = prefix + "-" + i;
            JsonNode created = client.postCreated("/v1/accounts", LoadClient.json(Map.of("externalRef", ref)));
            String id = created.get("id").asText();
            String token = DevVerifier.mint(keysDir, ref, Wallets.address(keys[i]), VerificationLevel.FULL, VERIFICATION_TTL_SECONDS);
            LoadClient.Reply v = client.post("/v1/accounts/" + id + "/verification", LoadClient.json(Map.of("token", token)));
            if (v.status() != 200) throw new IllegalStateException("verification of " + id + ": " + v.outcome() + " " + v.body());
            accounts[i] = new Account(id, ref, keys[i]);
            return v;
        });
        if (r.answered().size() != n) throw new IllegalStateException("only " + r.answered().size() + " of " + n + " accounts were created");
        return List.of(accounts);
    }

    /** Credits {@code eachBaseUnits} to every account, 1,000 items a request; fails on any refusal. */
    static void fund(LoadClient client, List<Account> accounts, long eachBaseUnits, String referencePrefix, int workers) {
        int perRequest = 1000;
        int requests = (accounts.size() + perRequest - 1) / perRequest;
        LoadRun.run(workers, requests, 600_000L, r -> {
            List<Map<String, String>> items = new ArrayList<>();
            for (int i = r * perRequest; i < Math.min(accounts.size(), (r + 1) * perRequest); i++) {
                items.add(Map.of("accountId", accounts.get(i).id(), "amount", Long.toString(eachBaseUnits),
                        "reference", referencePrefix + "-" + i));
            }
            client.postCreated("/v1/credits", LoadClient.json(Map.of("items", items)));
            return null;
        });
    }

    /**
     * Request {@code request} of a credits phase: {@code items} credits of 1 base unit, the accounts taken in turn
     * (with as many accounts as items, every request credits every account once), references unique in the run.
     */
    static String creditsBody(List<Account> accounts, String referencePrefix, int request, int items) {
        StringBuilder b = new StringBuilder(items * 110).append("{\"items\":[");
        for (int j = 0; j < items; j++) {
            if (j > 0) b.append(',');
            Account a = accounts.get((int) (((long) request * items + j) % accounts.size()));
            b.append("{\"accountId\":\"").append(a.id()).append("\",\"amount\":\"1\",\"reference\":\"")
                    .append(referencePrefix).append('-').append(request).append('-').append(j).append("\"}");
        }
        return b.append("]}").toString();
    }

    static String quoteBody(Account a, long amountBaseUnits) {
        return LoadClient.json(Map.of("accountId", a.id(), "amount", Long.toString(amountBaseUnits)));
    }

    /**
     * The cash-out request bodies for the quotes that were created ({@code quotes[i]} was made for
     * {@code accountOf[i]}), signed in parallel on the client's cores, in quote order.
     */
    static List<String> signedCashouts(LoadClient.Reply[] quotes, IntFunction<Account> accountOf) {
        return IntStream.range(0, quotes.length).parallel()
                .filter(i -> quotes[i] != null && quotes[i].created())
                .mapToObj(i -> {
                    JsonNode q = quotes[i].json();
                    String signature = Wallets.signTypedData(q.get("typedData").toString(), accountOf.apply(i).key());
                    return LoadClient.json(Map.of("quoteId", q.get("id").asText(), "signature", signature));
                })
                .toList();
    }
}
