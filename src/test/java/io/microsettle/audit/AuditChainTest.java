package io.microsettle.audit;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AuditChainTest {
    static List<AuditChain.Link> chain(int n) {
        List<AuditChain.Link> links = new ArrayList<>();
        long seq = 0;
        String prev = AuditChain.GENESIS_HASH;
        for (int i = 0; i < n; i++) {
            AuditChain.Link l = AuditChain.next(seq, prev, Instant.parse("2026-01-01T00:00:00.123456Z").plusSeconds(i),
                    "integrator:acme", "cashout.queued", "co_" + i, CanonicalJson.write(Map.of("n", i, "s", "x\"y")));
            links.add(l);
            seq = l.seq();
            prev = l.hash();
        }
        return links;
    }

    @Test
    void genesisAndLinking() {
        List<AuditChain.Link> links = chain(3);
        assertThat(links.get(0).prevHash()).isEqualTo("0".repeat(64));
        assertThat(links.get(0).seq()).isEqualTo(1);
        assertThat(links.get(1).prevHash()).isEqualTo(links.get(0).hash());
        assertThat(links.get(0).at()).isEqualTo(Instant.parse("2026-01-01T00:00:00.123Z"));
        AuditChain.Verification v = AuditChain.verify(links.iterator());
        assertThat(v).isEqualTo(new AuditChain.Verification(true, 3, links.get(2).hash(), null, null));
    }

    @Test
    void canonicalEncodingIsFixed() {
        String c = AuditChain.canonical(1, Instant.parse("2026-01-01T00:00:00Z"), "a", "t", "s", "{\"k\":1}",
                AuditChain.GENESIS_HASH);
        assertThat(c).isEqualTo("{\"actor\":\"a\",\"at\":\"2026-01-01T00:00:00.000Z\",\"payload\":{\"k\":1},\"prevHash\":\""
                + "0".repeat(64) + "\",\"seq\":1,\"subject\":\"s\",\"type\":\"t\"}");
        assertThat(AuditChain.hash(1, Instant.parse("2026-01-01T00:00:00Z"), "a", "t", "s", "{\"k\":1}",
                AuditChain.GENESIS_HASH)).isEqualTo(AuditChain.sha256Hex(c)).hasSize(64);
    }

    @Test
    void canonicalJsonSortsKeysAndEscapes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("b", List.of(1L, true, "\n\u0001"));
        m.put("a", null);
        assertThat(CanonicalJson.write(m)).isEqualTo("{\"a\":null,\"b\":[1,true,\"\\n\\u0001\"]}");
    }

    @Test
    void stringsAreEscapedWhereverTheEscapeFallsAndPlainOnesAreKeptWhole() {
        assertThat(CanonicalJson.write("")).isEqualTo("\"\"");
        assertThat(CanonicalJson.write("co_01HX-é✓")).isEqualTo("\"co_01HX-é✓\"");
        assertThat(CanonicalJson.write("\"lead")).isEqualTo("\"\\\"lead\"");
        assertThat(CanonicalJson.write("mid\\dle\tand\u001f")).isEqualTo("\"mid\\\\dle\\tand\\u001f\"");
        assertThat(CanonicalJson.write("trail\n")).isEqualTo("\"trail\\n\"");
        assertThat(CanonicalJson.write(Map.of("k\"ey", "v"))).isEqualTo("{\"k\\\"ey\":\"v\"}");
    }

    @Test
    void tamperedPayloadIsFound() {
        List<AuditChain.Link> links = chain(5);
        AuditChain.Link l = links.get(2);
        links.set(2, new AuditChain.Link(l.seq(), l.at(), l.actor(), l.type(), l.subject(), "{\"n\":99}", l.prevHash(), l.hash()));
        AuditChain.Verification v = AuditChain.verify(links.iterator());
        assertThat(v.ok()).isFalse();
        assertThat(v.firstBadSeq()).isEqualTo(3);
        assertThat(v.count()).isEqualTo(2);
    }

    @Test
    void rehashedTamperBreaksTheNextLink() {
        List<AuditChain.Link> links = chain(5);
        AuditChain.Link l = links.get(1);
        String forged = AuditChain.hash(l.seq(), l.at(), "admin:mallory", l.type(), l.subject(), l.payloadJson(), l.prevHash());
        links.set(1, new AuditChain.Link(l.seq(), l.at(), "admin:mallory", l.type(), l.subject(), l.payloadJson(), l.prevHash(), forged));
        assertThat(AuditChain.verify(links.iterator()).firstBadSeq()).isEqualTo(3);
    }

    @Test
    void deletedOrReorderedEventsAreFound() {
        List<AuditChain.Link> links = chain(4);
        links.remove(1);
        AuditChain.Verification cut = AuditChain.verify(links.iterator());
        assertThat(cut.firstBadSeq()).isEqualTo(2);
        assertThat(cut.detail()).isEqualTo("expected seq 2, found 3 (events missing or out of order)");
        List<AuditChain.Link> swapped = chain(4);
        var t = swapped.get(2);
        swapped.set(2, swapped.get(3));
        swapped.set(3, t);
        AuditChain.Verification reordered = AuditChain.verify(swapped.iterator());
        assertThat(reordered.firstBadSeq()).isEqualTo(3);
        assertThat(reordered.detail()).isEqualTo("expected seq 3, found 4 (events missing or out of order)");
    }

    @Test
    void aLogCutAtItsTailOrEndingElsewhereThanTheRecordedHeadFails() {
        List<AuditChain.Link> links = chain(5);
        AuditChain.Head head = new AuditChain.Head(5, links.get(4).hash());
        assertThat(AuditChain.verify(links.iterator(), head).ok()).isTrue();
        AuditChain.Verification cut = AuditChain.verify(links.subList(0, 3).iterator(), head);
        assertThat(cut.ok()).isFalse();
        assertThat(cut.firstBadSeq()).isEqualTo(4);
        assertThat(cut.detail()).startsWith("events 4..5 are missing");
        AuditChain.Verification emptied = AuditChain.verify(List.<AuditChain.Link>of().iterator(), head);
        assertThat(emptied.firstBadSeq()).isEqualTo(1);
        AuditChain.Verification forgedHead = AuditChain.verify(links.iterator(), new AuditChain.Head(5, "f".repeat(64)));
        assertThat(forgedHead.ok()).isFalse();
        assertThat(forgedHead.firstBadSeq()).isEqualTo(5);
        AuditChain.Verification longer = AuditChain.verify(links.iterator(), new AuditChain.Head(4, links.get(3).hash()));
        assertThat(longer.firstBadSeq()).isEqualTo(5);
    }

    @Test
    void emptyLogVerifies() {
        assertThat(AuditChain.verify(List.<AuditChain.Link>of().iterator()))
                .isEqualTo(new AuditChain.Verification(true, 0, AuditChain.GENESIS_HASH, null, null));
    }

    @Test
    void fastTimestampFormatMatchesTheFormatter() {
        java.time.format.DateTimeFormatter at = java.time.format.DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
                .withZone(java.time.ZoneOffset.UTC);
        java.util.Random rnd = new java.util.Random(14);
        List<Instant> samples = new ArrayList<>(List.of(Instant.EPOCH, Instant.parse("0000-01-01T00:00:00Z"),
                Instant.parse("9999-12-31T23:59:59.999Z"), Instant.parse("2024-02-29T12:34:56.007Z"), Instant.parse("1969-12-31T23:59:59.999Z")));
        for (int i = 0; i < 10_000; i++) samples.add(Instant.ofEpochMilli(rnd.nextLong(-62_167_219_200_000L, 253_402_300_799_999L)));
        for (Instant t : samples) {
            StringBuilder sb = new StringBuilder();
            AuditChain.appendAt(sb, t);
            assertThat(sb.toString()).as(t.toString()).isEqualTo(at.format(t));
        }
    }

    @Test
    void hexComparisonIsExact() {
        byte[] b = {0, 1, (byte) 0xab, (byte) 0xff};
        assertThat(AuditChain.hexEquals(b, "0001abff")).isTrue();
        assertThat(AuditChain.hexEquals(b, "0001ABFF")).isFalse();
        assertThat(AuditChain.hexEquals(b, "0001abfe")).isFalse();
        assertThat(AuditChain.hexEquals(b, "0001abff00")).isFalse();
        assertThat(AuditChain.hexEquals(b, null)).isFalse();
    }
}
