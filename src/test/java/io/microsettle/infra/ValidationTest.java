package io.microsettle.infra;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ValidationTest {

    @ParameterizedTest
    @ValueSource(strings = {"acct_3f9c2a", "A", "z", "0", "9", "_", "-", "int-01_ABC"})
    void idsOfLettersDigitsUnderscoreAndDashAreAccepted(String id) {
        assertThat(Validation.id(id, "accountId")).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"acct 1", "acct.1", "acct/1", "acct%2F", "ä", "acct\u0000", "a\nb", "a+b", "[", "`", "{", "@", ":"})
    void idsWithAnyOtherCharacterAreRefusedNamingTheField(String id) {
        assertThatThrownBy(() -> Validation.id(id, "items[3].accountId")).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).contains("items[3].accountId").contains("not a valid id");
        });
    }

    @Test
    void idsAreAtMostSixtyFourCharactersAndNotBlank() {
        assertThat(Validation.id("a".repeat(Validation.MAX_ID_LENGTH), "id")).hasSize(64);
        assertThatThrownBy(() -> Validation.id("a".repeat(Validation.MAX_ID_LENGTH + 1), "id")).hasMessageContaining("longer than 64");
        assertThatThrownBy(() -> Validation.id("", "id")).hasMessageContaining("is required");
        assertThatThrownBy(() -> Validation.id(null, "id")).hasMessageContaining("is required");
    }
}
