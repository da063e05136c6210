package gatehouse.console;

import static org.assertj.core.api.Assertions.assertThat;

import gatehouse.errors.OAuthException;
import gatehouse.web.FormParams;
import java.util.List;
import org.junit.jupiter.api.Test;

class FormStateTest {
    private static final List<String> FIELDS = List.of("name", "redirect_uris", "scope");

    @Test
    void refusalNamingAFieldIsShownNextToThatField() {
        var state = FormState.refused(FormParams.parse("name=&scope=a"),
                OAuthException.validation("name is required and must be at most 200 characters"), FIELDS);

        assertThat(state.errorFor("name")).startsWith("name is required");
        assertThat(state.errorFor("scope")).isNull();
        assertThat(state.general()).isNull();
        assertThat(state.value("scope")).isEqualTo("a");
        assertThat(state.describedBy("name")).isEqualTo("name-error");
    }

    @Test
    void refusalNamingNoFieldIsShownAboveTheForm() {
        var state = FormState.refused(FormParams.parse("name=x"),
                OAuthException.validation("a public app always rotates refresh tokens"), FIELDS);

        assertThat(state.general()).startsWith("a public app");
        assertThat(state.errorFor("name")).isNull();
    }

    @Test
    void fieldNameMustBeAWholeWordAtTheStart() {
        var state = FormState.refused(FormParams.parse(""), OAuthException.validation("names must be unique"), FIELDS);

        assertThat(state.errorFor("name")).isNull();
        assertThat(state.general()).isEqualTo("names must be unique");
    }

    @Test
    void untouchedFormShowsTheStoredValue() {
        assertThat(FormState.empty().value("name", "Stored")).isEqualTo("Stored");
        assertThat(FormState.of(FormParams.parse("name=Typed")).value("name", "Stored")).isEqualTo("Typed");
    }
}
