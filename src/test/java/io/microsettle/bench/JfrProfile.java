package io.microsettle.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where the service's CPU went, from its JFR recording's execution samples: the share of samples in
 * which each layer (by the package of the frame) and each of the service's own methods appears
 * anywhere on the stack (inclusive), so that "JSON" or "JDBC" or "CashoutService.request" is one line
 * whatever calls it. Shares of one table add up to more than 100 % where layers nest.
 */
final class JfrProfile {
    /** Layers by package prefix, first match wins; a sample is counted once per layer it touches. */
    static final Map<String, List<String>> LAYERS = layers();
    /** The longest stack looked at, frames from the top. */
    static final int MAX_DEPTH = 256;

    private JfrProfile() {}

    private static Map<String, List<String>> layers() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        m.put("signature recovery (secp256k1, keccak)", List.of("io.microsettle.cashout.Secp256k1Recovery", "fr.acinq", "org.bouncycastle.jcajce.provider.digest.Keccak", "org.web3j.crypto.Hash"));
        m.put("JWT verification (jose4j, smallrye-jwt)", List.of("org.jose4j", "io.smallrye.jwt"));
        m.put("JDK crypto (EC, RSA, SHA)", List.of("sun.security", "java.security", "javax.crypto", "com.sun.crypto"));
        m.put("JSON (Jackson)", List.of("com.fasterxml.jackson"));
        m.put("PostgreSQL driver", List.of("org.postgresql"));
        m.put("connection pool (Agroal)", List.of("io.agroal"));
        m.put("Hibernate/Panache", List.of("org.hibernate", "io.quarkus.hibernate"));
        m.put("transactions (Narayana)", List.of("com.arjuna", "io.quarkus.narayana"));
        m.put("HTTP server (Vert.x, Netty)", List.of("io.vertx", "io.netty"));
        m.put("REST (RESTEasy Reactive)", List.of("org.jboss.resteasy"));
        m.put("CDI (ArC)", List.of("io.quarkus.arc"));
        m.put("chain client (web3j, OkHttp)", List.of("org.web3j", "okhttp3", "okio"));
        m.put("logging", List.of("org.jboss.logging", "org.jboss.logmanager", "io.quarkus.bootstrap.logging"));
        m.put("scheduler", List.of("io.quarkus.scheduler"));
        m.put("microsettle code (any frame)", List.of("io.microsettle"));
        return m;
    }

    /** The report for a recording, or why there is none. */
    static String report(Path recording, int topMethods, java.time.Instant from, java.time.Instant to) {
        if (!Files.exists(recording)) return "no profile: " + recording.getFileName() + " was not written\n";
        Map<String, Integer> byLayer = new HashMap<>();
        Map<String, Integer> byMethod = new HashMap<>();
        Map<String, Integer> byThread = new HashMap<>();
        Map<String, Integer> byTopFrame = new HashMap<>();
        int samples = 0;
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent e = file.readEvent();
                if (!e.getEventType().getName().equals("jdk.ExecutionSample")) continue;
                RecordedStackTrace st = e.getStackTrace();
                if (st == null || e.getStartTime().isBefore(from) || e.getStartTime().isAfter(to)) continue;
                samples++;
                byThread.merge(threadGroup(e), 1, Integer::sum);
                Set<String> layers = new HashSet<>();
                Set<String> methods = new HashSet<>();
                List<RecordedFrame> frames = st.getFrames();
                byTopFrame.merge(topLayer(frames), 1, Integer::sum);
                for (int i = 0; i < Math.min(MAX_DEPTH, frames.size()); i++) {
                    RecordedFrame f = frames.get(i);
                    if (f.getMethod() == null || f.getMethod().getType() == null) continue;
                    String type = f.getMethod().getType().getName();
                    String layer = layerOf(type);
                    if (layer != null) layers.add(layer);
                    if (type.startsWith("io.microsettle.") && !type.contains("$$")) {
                        methods.add(type.substring("io.microsettle.".length()) + "." + f.getMethod().getName());
                    }
                }
                layers.forEach(l -> byLayer.merge(l, 1, Integer::sum));
                methods.forEach(m -> byMethod.merge(m, 1, Integer::sum));
            }
        } catch (IOException ex) {
            return "no profile: " + ex.getMessage() + "\n";
        }
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "service CPU profile, %s to %s (JFR execution samples: %d)%n", from, to, samples));
        b.append(table("by layer of the running method (exclusive: adds up to 100 %)", byTopFrame, samples, LAYERS.size() + 8));
        b.append("  inclusive below: the share of samples with the layer or method anywhere on the stack\n");
        b.append(table("by thread", byThread, samples, 12));
        b.append(table("by layer", byLayer, samples, LAYERS.size()));
        b.append(table("by microsettle method (inclusive)", byMethod, samples, topMethods));
        return b.toString();
    }

    /** The layer of the first frame that has one; JDK frames by package, e.g. "JDK java.util.regex". */
    private static String topLayer(List<RecordedFrame> frames) {
        for (RecordedFrame f : frames) {
            if (f.getMethod() == null || f.getMethod().getType() == null) continue;
            String type = f.getMethod().getType().getName();
            String layer = layerOf(type);
            if (layer != null) return layer;
            if (type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.")) {
                int dot = type.lastIndexOf('.');
                return "JDK " + (dot < 0 ? type : type.substring(0, dot));
            }
            return "other " + type.replaceAll("^((?:[a-z0-9_]+\\.){1,3}).*$", "$1");
        }
        return "?";
    }

    private static String layerOf(String type) {
        for (var l : LAYERS.entrySet()) {
            for (String prefix : l.getValue()) if (type.startsWith(prefix)) return l.getKey();
        }
        return null;
    }

    /** Threads by name with their numbers removed ("executor-thread-12" → "executor-thread"). */
    private static String threadGroup(RecordedEvent e) {
        var t = e.getThread("sampledThread");
        String name = t == null || t.getJavaName() == null ? "?" : t.getJavaName();
        return name.replaceAll("[-#]?\\d+$", "").replaceAll("\\d+", "N");
    }

    private static String table(String title, Map<String, Integer> counts, int samples, int limit) {
        StringBuilder b = new StringBuilder("  " + title + "\n");
        counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(limit)
                .forEach(c -> b.append(String.format(Locale.ROOT, "    %5.1f%%  %s%n", 100.0 * c.getValue() / Math.max(1, samples), c.getKey())));
        return b.toString();
    }
}
