package gatehouse.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** GATEHOUSE_DATABASE_URL as a JDBC URL or a platform-style postgresql:// URI (docs/http.md, "Conventions"). */
class DatabaseUrlTest {

    @Test
    void parseWhenJdbcUrlThenPassedThroughWithSeparateCredentials() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://db.internal:5432/gatehouse?sslmode=verify-full", "app", "pw");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.internal:5432/gatehouse?sslmode=verify-full");
        assertThat(url.user()).isEqualTo("app");
        assertThat(url.password()).isEqualTo("pw");
    }

    @Test
    void parseWhenJdbcUrlWithoutSeparateCredentialsThenNullCredentials() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://127.0.0.1:5432/test?user=postgres", null, null);

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        assertThat(url.user()).isNull();
        assertThat(url.password()).isNull();
    }

    @Test
    void parseWhenPostgresqlUriThenJdbcUrlAndDecodedCredentials() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://user:p%40ss@host:5433/db?sslmode=require", null, null);

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://host:5433/db?sslmode=require");
        assertThat(url.user()).isEqualTo("user");
        assertThat(url.password()).isEqualTo("p@ss");
    }

    @Test
    void parseWhenPostgresSchemeThenSameAsPostgresql() {
        DatabaseUrl url = DatabaseUrl.parse("postgres://user:p%40ss@host:5433/db?sslmode=require", null, null);

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://host:5433/db?sslmode=require");
        assertThat(url.user()).isEqualTo("user");
        assertThat(url.password()).isEqualTo("p@ss");
    }

    @Test
    void parseWhenUriHasCredentialsThenTheyWinOverSeparateSettings() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://alice:fromuri@host/db", "bob", "fromenv");

        assertThat(url.user()).isEqualTo("alice");
        assertThat(url.password()).isEqualTo("fromuri");
    }

    @Test
    void parseWhenUriHasUserOnlyThenSeparatePasswordKept() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://alice@host/db", "bob", "fromenv");

        assertThat(url.user()).isEqualTo("alice");
        assertThat(url.password()).isEqualTo("fromenv");
    }

    @Test
    void parseWhenUriHasNoCredentialsThenSeparateSettingsUsed() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://host/db", "bob", "fromenv");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://host/db");
        assertThat(url.user()).isEqualTo("bob");
        assertThat(url.password()).isEqualTo("fromenv");
    }

    @Test
    void parseWhenUriHasNoPortOrPathThenDefaultsLeftToDriver() {
        assertThat(DatabaseUrl.parse("postgresql://host", null, null).jdbcUrl()).isEqualTo("jdbc:postgresql://host/");
        assertThat(DatabaseUrl.parse("postgresql://host:6543", null, null).jdbcUrl()).isEqualTo("jdbc:postgresql://host:6543/");
    }

    @Test
    void parseWhenPasswordHasReservedCharactersPercentEncodedThenDecoded() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://u%20ser:a%3Ab%2Fc%3F%23%25@host/db", null, null);

        assertThat(url.user()).isEqualTo("u ser");
        assertThat(url.password()).isEqualTo("a:b/c?#%");
    }

    @Test
    void parseWhenPasswordHasLiteralPlusThenKeptAsPlus() {
        // RFC 3986 userinfo: "+" is a literal sub-delim, not a space (that rule is HTML forms' only).
        DatabaseUrl url = DatabaseUrl.parse("postgresql://user:p+ss@host/db", null, null);

        assertThat(url.password()).isEqualTo("p+ss");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {"mysql://user:pw@host/db", "host:5432/db", "http://host/db", "jdbc:mysql://host/db", "garbage", ""})
    void parseWhenNotAPostgresUrlThenIllegalArgument(String value) {
        assertThatThrownBy(() -> DatabaseUrl.parse(value, null, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parseWhenUriHasNoHostThenIllegalArgument() {
        assertThatThrownBy(() -> DatabaseUrl.parse("postgresql:///db", null, null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DatabaseUrl.parse("postgresql://", null, null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringWhenQueryThenHidden() {
        DatabaseUrl url = DatabaseUrl.parse("jdbc:postgresql://host:5432/db?user=app&password=hunter2", null, "pw-secret");

        assertThat(url.toString())
                .isEqualTo("jdbc:postgresql://host:5432/db")
                .doesNotContain("hunter2")
                .doesNotContain("pw-secret");
    }

    @Test
    void toStringWhenUriCredentialsThenNotShown() {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://user:topsecret@host:5433/db?sslmode=require", null, null);

        assertThat(url.toString()).isEqualTo("jdbc:postgresql://host:5433/db").doesNotContain("topsecret");
    }
}
