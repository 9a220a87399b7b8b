package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quill.config.BadInputException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The engine follows ND4J's backend unless QUILL_COLLECTIVE names one; NCCL is refused on the CPU backend. */
class CollectiveKindTest {

    @Test
    void followsTheBackendByDefault() {
        assertThat(CollectiveKind.choose(Map.of(), false)).isEqualTo(CollectiveKind.GLOO);
        assertThat(CollectiveKind.choose(Map.of(), true)).isEqualTo(CollectiveKind.NCCL);
        assertThat(CollectiveKind.choose(Map.of("QUILL_COLLECTIVE", "auto"), true)).isEqualTo(CollectiveKind.NCCL);
    }

    @Test
    void theVariableOverridesIt() {
        assertThat(CollectiveKind.choose(Map.of("QUILL_COLLECTIVE", "Gloo"), true)).isEqualTo(CollectiveKind.GLOO);
        assertThat(CollectiveKind.choose(Map.of("QUILL_COLLECTIVE", "nccl"), true)).isEqualTo(CollectiveKind.NCCL);
    }

    @Test
    void badValuesAreOneLine() {
        assertThatThrownBy(() -> CollectiveKind.choose(Map.of("QUILL_COLLECTIVE", "mpi"), false))
                .isInstanceOf(BadInputException.class).hasMessage("QUILL_COLLECTIVE = 'mpi' is not an engine; use gloo, nccl or auto");
        assertThatThrownBy(() -> CollectiveKind.choose(Map.of("QUILL_COLLECTIVE", "nccl"), false))
                .isInstanceOf(BadInputException.class).hasMessageStartingWith("QUILL_COLLECTIVE = nccl needs ND4J's CUDA backend");
    }

    @Test
    void ncclIsNotInTheCpuBuild() {
        // a world of two on the CPU build with NCCL asked for: refused before any connection is tried
        Map<String, String> env = Map.of("RANK", "0", "WORLD_SIZE", "2", "MASTER_PORT", "1", "QUILL_COLLECTIVE", "nccl");
        assertThatThrownBy(() -> Collective.fromEnvironment(env)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("nccl");
    }
}
