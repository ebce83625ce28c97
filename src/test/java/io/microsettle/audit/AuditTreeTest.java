package io.microsettle.audit;

import io.agroal.api.AgroalDataSource;
import io.microsettle.infra.Db;
import io.microsettle.testsupport.Api;
import io.microsettle.testsupport.DbRows;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Merkle tree the sealer keeps in PostgreSQL: its root at every size is the one computed in plain Java
 * from the stored events, its nodes refuse changes, and a log sealed before the tree existed is caught up.
 */
@QuarkusTest
class AuditTreeTest {
    @Inject
    AuditTree tree;
    @Inject
    AuditSealer sealer;
    @Inject
    AgroalDataSource ds;
    @Inject
    DbRows db;

    @Test
    void storedTreeMatchesTheEventsAndIsCaughtUpAfterAGap() throws Exception {
        Api.fundedAccount("tree-" + UUID.randomUUID(), 1_000);
        Api.fundedAccount("tree-" + UUID.randomUUID(), 1_000);
        long size = sealedTreeSize();
        assertThat(size).isGreaterThan(4);
        assertRootsMatchEvents(size);

        // the nodes are append-only
        assertThatThrownBy(() -> db.execute("DELETE FROM audit_tree_nodes WHERE level = 0 AND idx = 0")).hasMessageContaining("append-only");
        assertThatThrownBy(() -> db.execute("TRUNCATE audit_tree_nodes")).hasMessageContaining("append-only");

        // a tree behind the log (as after the migration on an existing log) is rebuilt from the stored events
        long keep = size / 2;
        db.execute("ALTER TABLE audit_tree_nodes DISABLE TRIGGER USER");
        try {
            db.execute("DELETE FROM audit_tree_nodes WHERE (idx + 1) * (1::bigint << level) > " + keep);
            db.execute("UPDATE audit_head SET tree_size = " + keep);
        } finally {
            db.execute("ALTER TABLE audit_tree_nodes ENABLE TRIGGER USER");
        }
        sealer.sealAll(10);
        assertThat(sealedTreeSize()).isGreaterThanOrEqualTo(size);
        assertRootsMatchEvents(size);
    }

    long sealedTreeSize() throws InterruptedException {
        db.awaitAuditSealed();
        for (int i = 0; i < 200 && db.scalar("SELECT seq - tree_size FROM audit_head") != 0; i++) Thread.sleep(20);
        assertThat(db.scalar("SELECT seq - tree_size FROM audit_head")).isZero();
        return db.scalar("SELECT tree_size FROM audit_head");
    }

    void assertRootsMatchEvents(long size) {
        List<AuditChain.Link> links = Db.query(ds, "SELECT seq, at, actor, type, subject, payload_json, prev_hash, hash FROM audit_events "
                        + "WHERE seq <= ? ORDER BY seq", rs -> new AuditChain.Link(rs.getLong(1), Db.instant(rs, 2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8)), size);
        MerkleFrontier inMemory = MerkleFrontier.empty();
        for (AuditChain.Link l : links) {
            inMemory.append(MerkleTree.auditLeafHash(l));
            assertThat(HexFormat.of().formatHex(tree.root(inMemory.size()))).as("root at %d", inMemory.size())
                    .isEqualTo(HexFormat.of().formatHex(inMemory.root()));
        }
        assertThat(inMemory.size()).isEqualTo(size);
    }
}
