package io.microsettle.audit;

import io.microsettle.testsupport.DbRows;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sealer against concurrent appenders on a real PostgreSQL: every committed event is linked
 * exactly once without gaps, a rolled-back one never, events of one transaction keep their order, and an event committed late (after later ones were sealed) is still sealed.
 */
@QuarkusTest
class AuditSealerTest {
    @Inject
    AuditLog audit;
    @Inject
    DbRows db;

    @Test
    void concurrentAppendersAreSealedGaplessInOrderAndRollbacksNever() throws Exception {
        String run = "seal-" + UUID.randomUUID();
        int writers = 16;
        int transactionsPerWriter = 40;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<String> committed = Collections.synchronizedList(new ArrayList<>());
        List<String> rolledBack = Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int writer = w;
            done.add(pool.submit(() -> {
                for (int i = 0; i < transactionsPerWriter; i++) {
                    String subject = run + ":" + writer + ":" + i;
                    boolean rollback = i % 7 == 3;
                    try {
                        List<String> ids = QuarkusTransaction.requiringNew().call(() -> {
                            List<String> appended = audit.appendAll("system:test", List.of(
                                    new AuditLog.Entry("test.first", subject, Map.of("n", 1)),
                                    new AuditLog.Entry("test.second", subject, Map.of("n", 2))));
                            if (rollback) throw new IllegalStateException("roll back " + subject);
                            return appended;
                        });
                        committed.addAll(ids);
                    } catch (IllegalStateException expected) {
                        rolledBack.add(subject);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
        pool.shutdown();

        db.awaitAuditSealed();
        assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE subject LIKE '" + run + ":%'")).isEqualTo(committed.size());
        assertThat(committed).hasSize(writers * transactionsPerWriter * 2 - rolledBack.size() * 2);
        for (String subject : rolledBack) {
            assertThat(db.scalar("SELECT count(*) FROM audit_events WHERE subject = '" + subject + "'")).isZero();
        }
        // one transaction's events keep the order given (other transactions' events may fall between them)
        assertThat(db.scalar("SELECT count(*) FROM audit_events a JOIN audit_events b ON b.subject = a.subject "
                + "AND b.type = 'test.second' WHERE a.type = 'test.first' AND a.subject LIKE '" + run + ":%' AND b.seq < a.seq"))
                .isZero();
        // gapless from 1 to the head, and the chain verifies to the recorded head
        long head = db.scalar("SELECT seq FROM audit_head");
        assertThat(db.scalar("SELECT count(*) FROM audit_events")).isEqualTo(head);
        assertThat(db.scalar("SELECT max(seq) FROM audit_events")).isEqualTo(head);
        assertThat(audit.verify().ok()).isTrue();
    }

    @Test
    void anEventCommittedAfterLaterOnesWereSealedIsSealedNext() throws Exception {
        String subject = "late-" + UUID.randomUUID();
        CountDownLatch appended = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        Future<String> late = pool.submit(() -> QuarkusTransaction.requiringNew().call(() -> {
            String id = audit.append("system:test", "test.late", subject, Map.of());
            appended.countDown();
            release.await(30, TimeUnit.SECONDS);
            return id;
        }));
        assertThat(appended.await(30, TimeUnit.SECONDS)).isTrue();
        // a later transaction commits and is sealed while the first is still open
        String early = QuarkusTransaction.requiringNew().call(() -> audit.append("system:test", "test.early", subject, Map.of()));
        db.awaitAuditSealed();
        long earlySeq = db.scalar("SELECT seq FROM audit_events WHERE id = '" + early + "'");
        assertThat(db.scalar("SELECT count(*) FROM audit_pending")).isZero(); // the open one is not visible yet
        release.countDown();
        String lateId = late.get(30, TimeUnit.SECONDS);
        pool.shutdown();
        db.awaitAuditSealed();
        assertThat(db.scalar("SELECT seq FROM audit_events WHERE id = '" + lateId + "'")).isGreaterThan(earlySeq);
        assertThat(audit.verify().ok()).isTrue();
    }
}
