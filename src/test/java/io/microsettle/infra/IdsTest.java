package io.microsettle.infra;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdsTest {
    @Test
    void prefixAndTwentyBase62Characters() {
        assertThat(Ids.newId("co")).matches("co_[0-9A-Za-z]{20}");
    }

    @Test
    void theFirstCharactersAreTheTimeSoIdsSortByTime() {
        long t = 1_764_000_000_000L;
        String a = Ids.newId("ent", t);
        String b = Ids.newId("ent", t + 1);
        String later = Ids.newId("ent", t + 62L * 62 * 62);
        assertThat(a.substring(0, 4 + Ids.TIME_CHARS)).isNotEqualTo(b.substring(0, 4 + Ids.TIME_CHARS));
        assertThat(a.substring(4, 4 + Ids.TIME_CHARS)).isLessThan(b.substring(4, 4 + Ids.TIME_CHARS));
        assertThat(b).isLessThan(later);
        assertThat(Ids.newId("x", 0)).startsWith("x_00000000");
        assertThat(Ids.newId("x", 61)).startsWith("x_0000000z");
        assertThat(Ids.newId("x", 62)).startsWith("x_00000010");
    }

    @Test
    void theRestIsRandomAndIdsDoNotRepeatWithinOneMillisecond() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 100_000; i++) assertThat(seen.add(Ids.newId("q", 5))).isTrue();
        Set<Character> used = new HashSet<>();
        for (String id : seen) for (char ch : id.substring(2 + Ids.TIME_CHARS).toCharArray()) used.add(ch);
        assertThat(used).hasSize(62);
    }

    @Test
    void refusesTimesItCannotWrite() {
        assertThatThrownBy(() -> Ids.newId("x", -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Ids.newId("x", Long.MAX_VALUE)).isInstanceOf(IllegalArgumentException.class);
    }
}
