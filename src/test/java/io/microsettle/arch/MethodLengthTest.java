package io.microsettle.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No method of the service is longer than {@link #MAX_LINES} lines, from its declaration to its closing brace (the
 * sources are formatted: a member's closing brace sits at its declaration's indentation).
 */
class MethodLengthTest {
    static final int MAX_LINES = 70;
    static final Pattern MEMBER = Pattern.compile("^( {4}| {8}| {12})([^ @/*].*)$");
    static final Pattern NOT_A_METHOD = Pattern.compile("\\b(class|record|enum|interface|if|for|while|switch|catch|try|else|new|return)\\b");

    @Test
    void noMethodIsLongerThanSeventyLines() throws IOException {
        List<String> tooLong = new ArrayList<>();
        try (Stream<Path> files = Files.walk(PackageGraphTest.SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                for (Method m : methods(Files.readAllLines(f))) {
                    if (m.lines() > MAX_LINES) tooLong.add(f.getFileName() + " " + m.declaration() + ": " + m.lines() + " lines");
                }
            }
        }
        assertThat(tooLong).isEmpty();
    }

    @Test
    void aLongMethodIsMeasuredAndClassesAreNot() {
        List<String> src = new ArrayList<>(List.of("class A {", "    int f(int x) {"));
        for (int i = 0; i < 80; i++) src.add("        x++;");
        src.addAll(List.of("        return x;", "    }", "", "    record R(int a) {", "        int g() {", "            return a;", "        }", "    }", "}"));
        assertThat(methods(src)).containsExactly(new Method("int f(int x) {", 83), new Method("int g() {", 3));
    }

    record Method(String declaration, int lines) {}

    static List<Method> methods(List<String> lines) {
        List<Method> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = MEMBER.matcher(lines.get(i));
            if (!m.matches() || !m.group(2).contains("(") || NOT_A_METHOD.matcher(m.group(2).split("\\(")[0]).find()) continue;
            int open = i;
            while (open < lines.size() && !lines.get(open).stripTrailing().endsWith("{") && !lines.get(open).stripTrailing().endsWith(";")) open++;
            if (open >= lines.size() || !lines.get(open).stripTrailing().endsWith("{")) continue;
            int close = open + 1;
            while (close < lines.size() && !lines.get(close).stripTrailing().equals(m.group(1) + "}")) close++;
            if (close >= lines.size()) continue;
            out.add(new Method(m.group(2).strip(), close - i + 1));
        }
        return out;
    }
}
