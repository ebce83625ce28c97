package io.microsettle.verify;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BlockRangesTest {
    @Test
    void coversEveryBlockWithRangesOfAtMostTheLimitStartingAtAnAskedBlock() {
        assertThat(BlockRanges.cover(List.of(), 10)).isEmpty();
        assertThat(BlockRanges.cover(List.of(5L), 10)).containsExactly(new BlockRanges.Range(5, 5));
        // unordered and repeated; 1..10 is one range of 10 blocks, 11 starts the next
        assertThat(BlockRanges.cover(List.of(10L, 1L, 1L, 11L, 20L, 500L), 10)).containsExactly(
                new BlockRanges.Range(1, 10), new BlockRanges.Range(11, 20), new BlockRanges.Range(500, 500));
        // far-apart claims are not read as one long range
        assertThat(BlockRanges.cover(List.of(100L, 1_000_000L), 2000)).extracting(BlockRanges.Range::blocks).containsExactly(1L, 1L);
        assertThat(BlockRanges.cover(List.of(0L, 1L, 2L), 1)).hasSize(3);
    }

    @Test
    void refusesNonsense() {
        assertThatThrownBy(() -> BlockRanges.cover(List.of(1L), 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BlockRanges.cover(List.of(-1L), 5)).isInstanceOf(IllegalArgumentException.class);
    }
}
